package correlate

import "github.com/evtxscan/evtxscan/parser"

// Prepare extracts the fields of an event the Correlator reads them from,
// for parser.Reader.Prepare: the extraction then runs on the decoding
// goroutines, and Add takes the fields from ev.Prepared. It returns nil
// (nothing to extract: Add does it, cheaply, or has no need) for the
// events Add counts only and for events without data strings. It keeps no
// state and may be called from several goroutines at once.
func Prepare(ev *parser.Event) any {
	if len(ev.Data) == 0 {
		return nil
	}
	switch k, _ := classify(ev.Provider, ev.EventID); k {
	case kindUnrelated, kindOther, kindNoise, kindHashSync:
		return nil
	}
	f := new(Fields) // zero: extract needs no reset
	extract(f, ev.Provider, ev.EventID, ev.Data)
	return f
}

// PreparedFields returns the fields Prepare extracted for ev, when it did.
func PreparedFields(ev *parser.Event) (*Fields, bool) {
	f, ok := ev.Prepared.(*Fields)
	return f, ok
}
