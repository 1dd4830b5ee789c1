package correlate

import (
	"errors"
	"strconv"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
)

// TimeLayout is the layout of every time in the JSON output: RFC 3339 in
// UTC with seven fractional digits, the 100 ns resolution of EVTX.
const TimeLayout = "2006-01-02T15:04:05.0000000Z07:00"

// FormatTime formats t in UTC with TimeLayout.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Time is a time.Time that marshals to JSON with TimeLayout. The zero Time
// marshals as null (fields of this type use omitzero where optional).
type Time struct{ time.Time }

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(TimeLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON implements json.Unmarshaler; it accepts any RFC 3339 time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return errors.New("correlate: time is not a JSON string")
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v.UTC()
	return nil
}

// HResult is an HRESULT that marshals to JSON as a string, "0x80230405"
// (see catalog.FormatHResult).
type HResult uint32

// String returns the code as "0x" and eight upper-case hexadecimal digits.
func (h HResult) String() string { return catalog.FormatHResult(uint32(h)) }

// MarshalJSON implements json.Marshaler.
func (h HResult) MarshalJSON() ([]byte, error) {
	return []byte(`"` + h.String() + `"`), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (h *HResult) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return errors.New("correlate: hresult is not a JSON string")
	}
	v, ok := catalog.ParseHResult(s)
	if !ok {
		return errors.New("correlate: bad hresult " + strconv.Quote(s))
	}
	*h = HResult(v)
	return nil
}
