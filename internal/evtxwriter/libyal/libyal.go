// Package libyal runs libyal's evtxexport and evtxinfo (Debian package
// libevtx-utils) on a file and decodes what they print, so tests can check
// EVTX files against a reader that shares no code with this project.
//
// evtxexport -f xml prints a banner line and then one <Event> document per
// record. It writes carriage returns raw; Export keeps them (an XML decoder
// would otherwise turn CR LF into LF). It garbles characters outside the
// Basic Multilingual Plane, which callers must leave out of comparisons.
package libyal

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// Event is one record as evtxexport -f xml prints it.
type Event struct {
	Provider   string
	EventID    uint16
	Qualifiers string // as printed; empty when absent
	Level      string
	Task       string
	Keywords   string // e.g. "0x0080000000000000"
	SystemTime string // TimeCreated SystemTime as printed (100 ns precision)
	RecordID   uint64
	Channel    string
	Computer   string
	UserID     string // empty for <Security/>
	Data       []string
}

type xmlEvent struct {
	System struct {
		Provider struct {
			Name string `xml:"Name,attr"`
		} `xml:"Provider"`
		EventID struct {
			Qualifiers string `xml:"Qualifiers,attr"`
			Value      string `xml:",chardata"`
		} `xml:"EventID"`
		Level       string `xml:"Level"`
		Task        string `xml:"Task"`
		Keywords    string `xml:"Keywords"`
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		} `xml:"TimeCreated"`
		EventRecordID string `xml:"EventRecordID"`
		Channel       string `xml:"Channel"`
		Computer      string `xml:"Computer"`
		Security      struct {
			UserID string `xml:"UserID,attr"`
		} `xml:"Security"`
	} `xml:"System"`
	Data []string `xml:"EventData>Data"`
}

// Path returns the path of the evtxexport program, or an error if it is not
// installed.
func Path() (string, error) {
	return exec.LookPath("evtxexport")
}

// Export runs evtxexport -f xml on path and decodes the records it prints,
// in file order. stderr holds what evtxexport wrote to its error output.
func Export(ctx context.Context, path string) (events []Event, stderr string, err error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "evtxexport", "-f", "xml", path)
	cmd.Stdout = &out
	cmd.Stderr = &errb
	runErr := cmd.Run()
	events, err = Decode(out.Bytes())
	if err == nil && runErr != nil {
		err = fmt.Errorf("evtxexport %s: %w: %s", path, runErr, strings.TrimSpace(errb.String()))
	}
	return events, errb.String(), err
}

// Decode decodes the output of evtxexport -f xml.
func Decode(out []byte) ([]Event, error) {
	i := bytes.IndexByte(out, '<')
	if i < 0 {
		return nil, nil
	}
	// Keep raw carriage returns through XML end-of-line normalisation.
	body := bytes.ReplaceAll(out[i:], []byte("\r"), []byte("&#13;"))
	dec := xml.NewDecoder(bytes.NewReader(body))
	var events []Event
	for {
		var x xmlEvent
		err := dec.Decode(&x)
		if errors.Is(err, io.EOF) {
			return events, nil
		}
		if err != nil {
			return events, fmt.Errorf("decoding evtxexport output after %d events: %w", len(events), err)
		}
		id, err := strconv.ParseUint(strings.TrimSpace(x.System.EventID.Value), 10, 16)
		if err != nil {
			return events, fmt.Errorf("event %d: event id: %w", len(events), err)
		}
		rid, err := strconv.ParseUint(strings.TrimSpace(x.System.EventRecordID), 10, 64)
		if err != nil {
			return events, fmt.Errorf("event %d: record id: %w", len(events), err)
		}
		events = append(events, Event{
			Provider:   x.System.Provider.Name,
			EventID:    uint16(id),
			Qualifiers: x.System.EventID.Qualifiers,
			Level:      x.System.Level,
			Task:       x.System.Task,
			Keywords:   x.System.Keywords,
			SystemTime: x.System.TimeCreated.SystemTime,
			RecordID:   rid,
			Channel:    x.System.Channel,
			Computer:   x.System.Computer,
			UserID:     x.System.Security.UserID,
			Data:       x.Data,
		})
	}
}

// Info is what evtxinfo reports about a file.
type Info struct {
	Records   int  // "Number of records"
	Recovered int  // "Number of recovered records"
	Corrupted bool // "Is corrupted"
	Dirty     bool // "Is dirty"
	Text      string
}

// RunInfo runs evtxinfo on path.
func RunInfo(ctx context.Context, path string) (Info, error) {
	out, err := exec.CommandContext(ctx, "evtxinfo", path).CombinedOutput()
	info := Info{Text: string(out)}
	if err != nil {
		return info, fmt.Errorf("evtxinfo %s: %w: %s", path, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "Number of records":
			info.Records, _ = strconv.Atoi(v)
		case "Number of recovered records":
			info.Recovered, _ = strconv.Atoi(v)
		case "Is corrupted":
			info.Corrupted = true
		case "Is dirty":
			info.Dirty = true
		}
	}
	return info, nil
}

// Mismatches compares what evtxexport printed for a record with the record
// that was written with id recordID, and describes every difference. Data
// strings holding characters outside the Basic Multilingual Plane are not
// compared (evtxexport garbles them); their count still is.
func Mismatches(want evtxwriter.Record, recordID uint64, got Event) []string {
	var diffs []string
	add := func(field string, w, g any) {
		diffs = append(diffs, fmt.Sprintf("record %d: %s: wrote %q, evtxexport printed %q", recordID, field, fmt.Sprint(w), fmt.Sprint(g)))
	}
	channel := want.Channel
	if channel == "" {
		channel = "Application"
	}
	wantTime := want.Time.UTC().Truncate(100).Format("2006-01-02T15:04:05.000000000Z")
	for _, f := range []struct {
		name string
		w, g any
	}{
		{"record id", recordID, got.RecordID},
		{"provider", want.Provider, got.Provider},
		{"event id", want.EventID, got.EventID},
		{"qualifiers", strconv.Itoa(int(want.Qualifiers)), got.Qualifiers},
		{"level", strconv.Itoa(int(want.Level)), got.Level},
		{"task", strconv.Itoa(int(want.Task)), got.Task},
		{"keywords", fmt.Sprintf("0x%016x", want.Keywords), got.Keywords},
		{"time", wantTime, got.SystemTime},
		{"channel", channel, got.Channel},
		{"computer", want.Computer, got.Computer},
		{"user id", want.UserSID, got.UserID},
	} {
		if f.w != f.g {
			add(f.name, f.w, f.g)
		}
	}
	wantData := want.Data
	if len(wantData) == 0 && len(got.Data) == 1 {
		// An empty string array prints as one empty <Data/>; no <Data>
		// elements print as none.
		wantData = []string{""}
	}
	if len(wantData) != len(got.Data) {
		add("number of data strings", len(wantData), len(got.Data))
		return diffs
	}
	for i, w := range wantData {
		if hasNonBMP(w) {
			continue
		}
		if w != got.Data[i] {
			add(fmt.Sprintf("data string %d", i), w, got.Data[i])
		}
	}
	return diffs
}

func hasNonBMP(s string) bool {
	for _, r := range s {
		if r > 0xffff {
			return true
		}
	}
	return false
}
