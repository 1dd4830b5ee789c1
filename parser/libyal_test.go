package parser

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"unicode/utf8"
)

// libyalEvent is what the parity tests compare with libyal's evtxexport.
type libyalEvent struct {
	RecordID uint64
	EventID  uint16
	Provider string
	Time     string
	Data     []string
}

// runEvtxexport runs `evtxexport -f xml` on a file and parses its output.
func runEvtxexport(path string) ([]libyalEvent, string, error) {
	cmd := exec.Command("evtxexport", "-f", "xml", path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	runErr := cmd.Run()
	evs, err := parseLibyalXML(out.Bytes())
	if runErr != nil && !strings.Contains(errb.String(), "Unable to export file") {
		return evs, errb.String(), fmt.Errorf("evtxexport %s: %w: %s", path, runErr, errb.String())
	}
	return evs, errb.String(), err
}

// xmlSafe replaces characters XML 1.0 forbids so that encoding/xml accepts
// libyal's output; comparisons apply the same to our strings.
func xmlSafe(s string) string {
	if !strings.ContainsFunc(s, badXMLRune) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if badXMLRune(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

func badXMLRune(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError
}

// normText makes our text comparable with what an XML parser returns:
// line ends folded to \n, forbidden characters replaced.
func normText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return xmlSafe(s)
}

func parseLibyalXML(b []byte) ([]libyalEvent, error) {
	raw := xmlSafe(string(b))
	dec := xml.NewDecoder(strings.NewReader(raw))
	dec.Strict = false
	// evtxexport does not escape markup inside string values, so a string
	// holding XML comes out as elements: the raw text of a data element
	// with children stands for its value.
	var dataStart int64
	var before int64
	var evs []libyalEvent
	var stack []string
	var cur *libyalEvent
	var text strings.Builder
	var childCount []int
	for {
		before = dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return evs, nil
		}
		if err != nil {
			return evs, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(childCount) > 0 {
				childCount[len(childCount)-1]++
			}
			stack = append(stack, t.Name.Local)
			childCount = append(childCount, 0)
			if len(stack) == 3 && (stack[1] == "EventData" || stack[1] == "UserData") {
				dataStart = dec.InputOffset()
			}
			text.Reset()
			if t.Name.Local == "Event" && len(stack) == 1 {
				evs = append(evs, libyalEvent{})
				cur = &evs[len(evs)-1]
			}
			for _, a := range t.Attr {
				switch {
				case t.Name.Local == "Provider" && a.Name.Local == "Name":
					cur.Provider = a.Value
				case t.Name.Local == "Provider" && a.Name.Local == "EventSourceName" && cur.Provider == "":
					cur.Provider = a.Value
				case t.Name.Local == "TimeCreated" && a.Name.Local == "SystemTime":
					cur.Time = a.Value
				}
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			name := t.Name.Local
			leaf := childCount[len(childCount)-1] == 0
			inData := len(stack) >= 3 && (stack[1] == "EventData" || stack[1] == "UserData")
			switch {
			case len(stack) == 3 && stack[1] == "EventData" && !leaf:
				cur.Data = append(cur.Data, raw[dataStart:before])
			case len(stack) > 3 && stack[1] == "EventData":
				// inside the markup of a data string
			case len(stack) == 3 && stack[1] == "System" && name == "EventID":
				fmt.Sscan(text.String(), &cur.EventID)
			case len(stack) == 3 && stack[1] == "System" && name == "EventRecordID":
				fmt.Sscan(text.String(), &cur.RecordID)
			case inData && leaf && name != "Binary":
				cur.Data = append(cur.Data, text.String())
			}
			stack = stack[:len(stack)-1]
			childCount = childCount[:len(childCount)-1]
			text.Reset()
		}
	}
}
