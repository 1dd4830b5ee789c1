package parser

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	evtx "github.com/0xrawsec/golang-evtx/evtx"
)

// The cross-check with golang-evtx: every record of every sample and fixture
// is decoded by golang-evtx's own per-record path (its chunk API and
// GoEvtxMap) and by this package, and the two must agree wherever both
// succeed and golang-evtx's known faults (../shared/domain/reference-parsers.md)
// do not apply.
//
// What is compared:
//   - EventID, EventRecordID, TimeCreated (to 100 ns), Channel, Computer;
//   - Provider: golang-evtx puts a classic provider's name as a key of
//     System (<Provider Name="ADSync"/> becomes "ADSync": ""); it is taken
//     from there when System has exactly one key that is not a System
//     element name;
//   - data strings: each value golang-evtx gives under EventData or UserData
//     must be one of the data strings read here (as a multiset: golang-evtx
//     keys named data by name, so their order is lost); and a classic
//     string array, which golang-evtx keeps as a list, must equal the data
//     strings read here in order, empty ones left out.
//
// What is left out, each counted:
//   - records golang-evtx fails on (a panic, an error, no map);
//   - null values (golang-evtx keeps the name with a nil value; a null
//     optional value has no element here, as in libyal and Event Viewer);
//   - empty strings, which golang-evtx drops from string arrays (positions
//     shift, so the order check skips them);
//   - SizeT values, which golang-evtx renders as "Unknown value";
//   - booleans, which golang-evtx reads as false unless the value is 1;
//   - ANSI strings, which golang-evtx keeps as raw bytes with their NUL;
//   - binary values, GUIDs, hexadecimal integers, reals and times, which
//     golang-evtx formats its own way ("%X" padded with spaces, no braces,
//     other zero padding, "%f", time.Time); they are compared in golang-evtx's
//     format converted to ours, and counted as compared (and as converted);
//   - attributes, which are not data strings here (nor in libyal): namespace
//     declarations, a Name attribute beside content, and under UserData any
//     value golang-evtx gives that is not a data string here, since it
//     mixes the attributes of UserData elements with their child elements
//     (<Error Code="15007"/> becomes "Error": {"Code": "15007"});
//   - data strings read here that golang-evtx drops (only the first of
//     several unnamed <Data> elements kept): counted, not an error.
type crossCounts struct {
	records      int // records read here
	goFailed     int // records golang-evtx could not decode
	recCompared  int // records compared
	sysCompared  int // System fields compared
	provSkipped  int // providers golang-evtx does not give
	valCompared  int // golang-evtx data values found here
	valConverted int // of which after converting golang-evtx's format
	excluded     map[string]int
	dropped      int // data strings read here that golang-evtx dropped
}

func (c *crossCounts) add(o crossCounts) {
	c.records += o.records
	c.goFailed += o.goFailed
	c.recCompared += o.recCompared
	c.sysCompared += o.sysCompared
	c.provSkipped += o.provSkipped
	c.valCompared += o.valCompared
	c.valConverted += o.valConverted
	c.dropped += o.dropped
	if c.excluded == nil {
		c.excluded = map[string]int{}
	}
	for k, v := range o.excluded {
		c.excluded[k] += v
	}
}

func (c *crossCounts) excludedTotal() int {
	n := 0
	for _, v := range c.excluded {
		n += v
	}
	return n
}

func (c crossCounts) String() string {
	keys := make([]string, 0, len(c.excluded))
	for k := range c.excluded {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ex []string
	for _, k := range keys {
		ex = append(ex, fmt.Sprintf("%s %d", k, c.excluded[k]))
	}
	return fmt.Sprintf("%d records: %d compared, %d golang-evtx failed; %d System fields compared, %d providers not given by golang-evtx; "+
		"data values: %d compared (%d after format conversion), excluded: [%s]; %d data strings dropped by golang-evtx",
		c.records, c.recCompared, c.goFailed, c.sysCompared, c.provSkipped, c.valCompared, c.valConverted, strings.Join(ex, ", "), c.dropped)
}

// goEvtxChunk prepares golang-evtx's view of one chunk.
func goEvtxChunk(b []byte) (c evtx.Chunk, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	c = evtx.NewChunk()
	c.Data = b
	c.ParseChunkHeader(bytes.NewReader(b))
	return c, true
}

// goEvtxRecord decodes the record at chunk offset off with golang-evtx.
func goEvtxRecord(c *evtx.Chunk, off int64) (m *evtx.GoEvtxMap, ok bool) {
	defer func() {
		if recover() != nil {
			m, ok = nil, false
		}
	}()
	e := c.ParseEvent(off)
	m, err := e.GoEvtxMap(c)
	if err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// isSystemName reports whether k is the name of an element of System, to
// tell a classic provider's name (a key of its own) from them.
func isSystemName(k string) bool {
	switch k {
	case "Provider", "EventID", "Version", "Level", "Task", "Opcode", "Keywords", "TimeCreated",
		"EventRecordID", "Correlation", "Execution", "Channel", "Computer", "Security":
		return true
	}
	return false
}

func TestCrossCheckGolangEvtx(t *testing.T) {
	t.Parallel()
	// golang-evtx reports its decode failures on the standard logger.
	log.SetOutput(io.Discard)
	defer log.SetOutput(os.Stderr)
	var (
		mu    sync.Mutex
		total crossCounts
	)
	t.Run("files", func(t *testing.T) {
		for _, path := range samplePaths(t) {
			t.Run(filepath.Base(path), func(t *testing.T) {
				t.Parallel()
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				evs, _ := readAll(t, path, 1, nil)
				c := crossCheck(t, data, evs)
				t.Log(c)
				mu.Lock()
				total.add(c)
				mu.Unlock()
			})
		}
	})
	t.Log("all files: ", total)
	if total.recCompared < total.records*8/10 {
		t.Errorf("only %d of %d records compared", total.recCompared, total.records)
	}
	if ex := total.excludedTotal(); total.valCompared < 9*ex {
		t.Errorf("data values: %d compared, %d excluded; want at least 90%% compared", total.valCompared, ex)
	}
}

func crossCheck(t *testing.T, data []byte, evs []Event) crossCounts {
	cnt := crossCounts{excluded: map[string]int{}}
	chunks := map[int]*evtx.Chunk{}
	failedChunks := map[int]bool{}
	errs := 0
	fail := func(ev *Event, format string, args ...any) {
		errs++
		if errs <= 10 {
			t.Errorf("record %d (chunk %d, offset %#x): %s", ev.RecordID, ev.Chunk, ev.Offset, fmt.Sprintf(format, args...))
		}
	}
	step := 1
	if raceDetector && len(evs) > 500 {
		// golang-evtx's reflection runs some ten times slower under the
		// race detector; every record is compared without it.
		step = 4
	}
	for i := 0; i < len(evs); i += step {
		ev := &evs[i]
		cnt.records++
		start := HeaderBlockSize + ev.Chunk*ChunkSize
		c, ok := chunks[ev.Chunk]
		if !ok && !failedChunks[ev.Chunk] {
			b := data[start:min(start+ChunkSize, len(data))]
			if gc, ok := goEvtxChunk(b); ok {
				c = &gc
				chunks[ev.Chunk] = c
			} else {
				failedChunks[ev.Chunk] = true
			}
		}
		if c == nil {
			cnt.goFailed++
			continue
		}
		m, ok := goEvtxRecord(c, ev.Offset-int64(start))
		if !ok {
			cnt.goFailed++
			continue
		}
		event, _ := (*m)["Event"].(evtx.GoEvtxMap)
		sys, _ := event["System"].(evtx.GoEvtxMap)
		if sys == nil {
			cnt.goFailed++
			continue
		}
		cnt.recCompared++
		compareSystem(&cnt, ev, sys, fail)
		for _, k := range []string{"EventData", "UserData"} {
			if v, ok := event[k]; ok {
				compareData(&cnt, ev, v, k == "UserData", fail)
			}
		}
	}
	return cnt
}

func goString(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func compareSystem(cnt *crossCounts, ev *Event, sys evtx.GoEvtxMap, fail func(*Event, string, ...any)) {
	// EventID: "4624", or {"Qualifiers": "0", "Value": "31019"}.
	idv := sys["EventID"]
	if m, ok := idv.(evtx.GoEvtxMap); ok {
		idv = m["Value"]
	}
	if s, ok := goString(idv); ok {
		cnt.sysCompared++
		if n, err := strconv.ParseUint(s, 10, 16); err != nil || uint16(n) != ev.EventID {
			fail(ev, "event id %d, golang-evtx %q", ev.EventID, s)
		}
	}
	if s, ok := goString(sys["EventRecordID"]); ok {
		cnt.sysCompared++
		if n, err := strconv.ParseUint(s, 10, 64); err != nil || n != ev.RecordID {
			fail(ev, "record id %d, golang-evtx %q", ev.RecordID, s)
		}
	}
	if tc, ok := sys["TimeCreated"].(evtx.GoEvtxMap); ok {
		if ut, ok := tc["SystemTime"].(evtx.UTCTime); ok {
			cnt.sysCompared++
			if gt := time.Time(ut); !gt.Equal(ev.Time) {
				fail(ev, "time %s, golang-evtx %s", formatTime(ev.Time), formatTime(gt))
			}
		}
	}
	for _, f := range []struct {
		name string
		ours string
	}{{"Channel", ev.Channel}, {"Computer", ev.Computer}} {
		v, present := sys[f.name]
		s, isString := goString(v)
		switch {
		case !present || v == nil:
			// An empty element: golang-evtx gives no key, or nil.
			cnt.sysCompared++
			if f.ours != "" {
				fail(ev, "%s %q, golang-evtx none", f.name, f.ours)
			}
		case isString:
			cnt.sysCompared++
			if s != f.ours {
				fail(ev, "%s %q, golang-evtx %q", f.name, f.ours, s)
			}
		}
	}
	// Provider.
	prov, known := "", false
	if p, ok := sys["Provider"].(evtx.GoEvtxMap); ok {
		if s, ok := goString(p["Name"]); ok {
			prov, known = s, true
		} else if s, ok := goString(p["EventSourceName"]); ok {
			prov, known = s, true
		}
	} else if _, ok := sys["Provider"]; !ok {
		var other []string
		for k := range sys {
			if !isSystemName(k) {
				other = append(other, k)
			}
		}
		if len(other) == 1 {
			prov, known = other[0], true
		}
	}
	if !known {
		cnt.provSkipped++
		return
	}
	cnt.sysCompared++
	if prov != ev.Provider {
		fail(ev, "provider %q, golang-evtx %q", ev.Provider, prov)
	}
}

// A goValue is one value golang-evtx gives under EventData or UserData, and
// the keys that lead to it.
type goValue struct {
	path string
	v    any
}

// goValues flattens what golang-evtx gives under EventData or UserData into
// its values. Left out: binary blobs of classic events (<Binary>), which
// are not data strings here (nor in libyal); and attributes, which are not
// data strings either: namespace declarations ("xmlns", "xmlns:auto-ns2"),
// and "Name" beside other keys (a Name attribute on an element that has
// content: <EventData Name="...">).
func goValues(path string, v any, out []goValue) []goValue {
	switch x := v.(type) {
	case evtx.GoEvtxMap:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch {
			case strings.HasPrefix(k, "xmlns"), k == "Binary":
				continue
			case k == "Name" && len(x) > 1:
				continue
			}
			out = goValues(path+"/"+k, x[k], out)
		}
	case []string:
		for _, s := range x {
			out = append(out, goValue{path, s})
		}
	default:
		out = append(out, goValue{path, v})
	}
	return out
}

func compareData(cnt *crossCounts, ev *Event, v any, userData bool, fail func(*Event, string, ...any)) {
	ours := map[string]int{}
	nonEmpty := 0
	for _, s := range ev.Data {
		ours[s]++
		if s != "" {
			nonEmpty++
		}
	}
	take := func(s string) bool {
		if ours[s] > 0 {
			ours[s]--
			return true
		}
		return false
	}
	// A classic string array: the order too.
	if m, ok := v.(evtx.GoEvtxMap); ok && len(m) == 1 {
		if arr, ok := m["Data"].([]string); ok {
			var want []string
			for _, s := range ev.Data {
				if s != "" {
					want = append(want, s)
				}
			}
			if strings.Join(arr, "\x00") != strings.Join(want, "\x00") || len(arr) != len(want) {
				fail(ev, "data strings %q, golang-evtx %q", want, arr)
			}
		}
	}
	matched := 0
	for _, gv := range goValues("", v, nil) {
		g := gv.v
		switch x := g.(type) {
		case nil:
			cnt.excluded["null value"]++
			continue
		case []byte:
			cnt.excluded["ANSI string"]++
			continue
		case evtx.UTCTime:
			// A FILETIME or SYSTEMTIME value.
			tm := time.Time(x)
			if take(formatTime(tm)) || take(tm.Format("2006-01-02T15:04:05.000Z")) {
				cnt.valCompared++
				cnt.valConverted++
				matched++
				continue
			}
			fail(ev, "golang-evtx time value %s (at %s) not among the data strings %q", formatTime(tm), gv.path, ev.Data)
			continue
		case string:
			if take(x) {
				cnt.valCompared++
				matched++
				continue
			}
			if conv, ok := fromGoFormat(x, ours); ok && take(conv) {
				cnt.valCompared++
				cnt.valConverted++
				matched++
				continue
			}
			switch {
			case x == "":
				cnt.excluded["empty string"]++
			case strings.HasPrefix(x, "Unknown value"):
				cnt.excluded["SizeT"]++
			case (x == "true" || x == "false") && (ours["true"] > 0 || ours["false"] > 0):
				cnt.excluded["boolean"]++
				if !take("true") {
					take("false")
				}
			case userData:
				cnt.excluded["UserData attribute"]++
			default:
				fail(ev, "golang-evtx data value %q (at %s) not among the data strings %q", x, gv.path, ev.Data)
			}
		default:
			cnt.excluded[fmt.Sprintf("%T", g)]++
		}
	}
	if d := nonEmpty - matched; d > 0 {
		cnt.dropped += d
	}
}

// fromGoFormat converts a value as golang-evtx formats it to the format of
// this package, for the types where they differ: GUIDs (no braces), binary
// ("%X" padded with spaces), reals ("%f"), hexadecimal integers (other zero
// padding).
// Only conversions that give one of the data strings count.
func fromGoFormat(s string, ours map[string]int) (string, bool) {
	if c := "{" + s + "}"; ours[c] > 0 {
		return c, true
	}
	if c := strings.TrimSpace(s); c != s && ours[c] > 0 {
		return c, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && strings.Contains(s, ".") {
		for o := range ours {
			if g, err := strconv.ParseFloat(o, 64); err == nil && g == f && ours[o] > 0 {
				return o, true
			}
		}
	}
	if strings.HasPrefix(s, "0x") {
		if n, err := strconv.ParseUint(s[2:], 16, 64); err == nil {
			for _, w := range []int{8, 16} {
				if c := string(appendHexFixed(nil, n, w)); ours[c] > 0 {
					return c, true
				}
			}
		}
	}
	return "", false
}
