package scan

import (
	"context"
	"slices"
)

// An Interruption says how far the inputs were read when the analysis was
// stopped (the context ended: a signal, a deadline). The Report it belongs
// to is the analysis of those records only: attempts may lack their
// result, the service's span ends early, and no verdict covers what was
// not read.
type Interruption struct {
	// StoppedBy is why: the context's cause (context.Cause), e.g.
	// "SIGTERM" from the command, "context canceled" by default.
	StoppedBy string `json:"stopped_by"`
	// Read lists the input arguments read to the end, PartlyRead the one
	// being read (a folder or zip read in part, a stream read up to a
	// chunk), NotRead those not begun; each as given to Analyze.
	Read       []string `json:"read"`
	PartlyRead []string `json:"partly_read"`
	NotRead    []string `json:"not_read"`
	// StoppedIn is the path of the stream being read when it stopped
	// (its entry in Report.Inputs counts what was read of it); "" when it
	// stopped between streams.
	StoppedIn string `json:"stopped_in,omitempty"`
	// Records and Events count what was read: record structures found and
	// events kept, over every stream.
	Records int `json:"records"`
	Events  int `json:"events"`
}

// interruption says how far the read of paths went (the context ended in
// the argument s.stopArg).
func (s *ReadSummary) interruption(ctx context.Context, paths []string) *Interruption {
	in := &Interruption{Read: []string{}, PartlyRead: []string{}, NotRead: []string{}}
	if c := context.Cause(ctx); c != nil {
		in.StoppedBy = c.Error()
	}
	begun := slices.ContainsFunc(s.Files, func(f Input) bool { return f.arg == s.stopArg })
	for i, p := range paths {
		switch {
		case i < s.stopArg:
			in.Read = append(in.Read, p)
		case i == s.stopArg && begun:
			in.PartlyRead = append(in.PartlyRead, p)
		default:
			in.NotRead = append(in.NotRead, p)
		}
	}
	for _, f := range s.Files {
		in.Records += f.Records
		in.Events += f.Events
		if f.stopped {
			in.StoppedIn = f.Path
		}
	}
	return in
}

// Interrupted reports whether the read stopped before the end of the
// inputs (the context ended).
func (s *ReadSummary) Interrupted() bool { return s != nil && s.stopped }
