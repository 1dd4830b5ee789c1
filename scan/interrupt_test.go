package scan_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/evtxscan/evtxscan/parser"
	"github.com/evtxscan/evtxscan/scan"
)

// When the context ends during the read, Analyze returns the Report of
// what was read, marked Interrupted (which inputs were read, which in part,
// which not, and the records read), with ctx.Err(); the stream at hand is
// counted as far as it was read and is not reported damaged.
func TestAnalyzeInterrupted(t *testing.T) {
	a := filepath.Join("..", "testdata", "evtx", "healthy-day.evtx")
	b := filepath.Join("..", "testdata", "evtx", "customer-bundle.zip")
	whole, err := scan.Analyze(context.Background(), []string{a}, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stopCause := errors.New("SIGTERM")
	for _, tc := range []struct {
		name                   string
		stopAt                 int // cancel when this many events were seen (0: before the call)
		read, partly, notRead  []string
		stoppedIn              string
		minRecords, maxRecords int
	}{
		{"before", 0, nil, nil, []string{a, b}, "", 0, 0},
		{"first input", 100, nil, []string{a}, []string{b}, a, 1, whole.Inputs[0].Records - 1},
		{"second input", whole.Inputs[0].Events + 10, []string{a}, []string{b}, nil, "", whole.Inputs[0].Records + 1, 1 << 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			n := 0
			opt := scan.Options{Each: func(*parser.Event) error {
				if n++; n == tc.stopAt {
					cancel(stopCause)
				}
				return nil
			}}
			if tc.stopAt == 0 {
				cancel(stopCause)
			}
			rep, err := scan.Analyze(ctx, []string{a, b}, opt)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if rep == nil || rep.Interrupted == nil {
				t.Fatalf("report %v: no partial report marked interrupted", rep)
			}
			in := rep.Interrupted
			if in.StoppedBy != "SIGTERM" {
				t.Errorf("stopped by %q, want the context's cause", in.StoppedBy)
			}
			for _, l := range []struct {
				what      string
				got, want []string
			}{{"read", in.Read, tc.read}, {"partly read", in.PartlyRead, tc.partly}, {"not read", in.NotRead, tc.notRead}} {
				if !slices.Equal(l.got, l.want) && len(l.got)+len(l.want) > 0 {
					t.Errorf("%s: %q, want %q", l.what, l.got, l.want)
				}
			}
			if tc.stoppedIn != "" && in.StoppedIn != tc.stoppedIn {
				t.Errorf("stopped in %q, want %q", in.StoppedIn, tc.stoppedIn)
			}
			if in.Records < tc.minRecords || in.Records > tc.maxRecords {
				t.Errorf("%d records read, want %d..%d", in.Records, tc.minRecords, tc.maxRecords)
			}
			sum := 0
			for _, f := range rep.Inputs {
				sum += f.Records
				if f.Path == in.StoppedIn && (f.Error != "" || len(f.Damage) > 0) {
					t.Errorf("the stream read in part is reported damaged: %q %q", f.Error, f.Damage)
				}
			}
			if sum != in.Records {
				t.Errorf("inputs count %d records, the interruption %d", sum, in.Records)
			}
			if in.Records > 0 && rep.Counts.Events == 0 {
				t.Errorf("records read but no event counted: %+v", rep.Counts)
			}
		})
	}
}
