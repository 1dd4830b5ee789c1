package parser

import "time"

// Event is one record of an EVTX file, normalized: the System fields every
// consumer needs and the event's data strings, in order, empty ones included.
type Event struct {
	// Path names the input: a file path, and for a record inside an archive
	// the path of the archive followed by the entry names, joined with "!"
	// (bundle.zip!logs/inner.zip!Application.evtx).
	Path string `json:"path"`
	// Chunk is the zero-based index of the 64 KiB chunk holding the record.
	Chunk int `json:"chunk"`
	// Offset is the byte offset of the record in the file.
	Offset int64 `json:"offset"`

	RecordID   uint64    `json:"record_id"`
	Time       time.Time `json:"time"` // TimeCreated, UTC, 100 ns resolution
	Provider   string    `json:"provider"`
	EventID    uint16    `json:"event_id"`
	Qualifiers uint16    `json:"qualifiers"`
	Level      uint8     `json:"level"`
	Task       uint16    `json:"task"`
	Keywords   uint64    `json:"keywords"`
	Channel    string    `json:"channel"`
	Computer   string    `json:"computer"`
	UserSID    string    `json:"user_sid,omitempty"`

	// Data holds the EventData (or UserData) strings in document order.
	// A classic source's string array contributes one element per string.
	// It is nil when the event has none, or when Reader.NeedData declined
	// them.
	Data []string `json:"data"`

	// JSON is the event's NDJSON line, newline included, when
	// Reader.NDJSON is set (see there); else nil. It is valid until the
	// next call to Read.
	JSON []byte `json:"-"`

	// Prepared is what Reader.Prepare returned for the event, or nil.
	Prepared any `json:"-"`
}

// A Field is a set of System fields of Event that can be left out of the
// decoding (Reader.Skip).
type Field uint8

// The System fields Reader.Skip can leave out.
const (
	FieldQualifiers Field = 1 << iota
	FieldLevel
	FieldTask
	FieldKeywords
	FieldUserSID
)
