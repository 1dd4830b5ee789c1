package lake

// SchemaVersion is the version of the tables' layout, stored in the
// schema_version column of every row and, as Schema, in the key-value
// metadata of every file (key "evtxscan.schema") and in every manifest. It
// changes when a column is removed, renamed or changes meaning; adding a
// column does not change it.
const SchemaVersion = 1

// Schema names the layout: "evtxscan-lake/" and SchemaVersion.
const Schema = "evtxscan-lake/1"

// Table names, which are also the top folders of the lake.
const (
	TableEvents   = "events"
	TableAttempts = "attempts"
	TableFindings = "findings"
	TableInputs   = "inputs"
)

// Tables lists the table names in the order they are written.
func Tables() []string { return []string{TableEvents, TableAttempts, TableFindings, TableInputs} }

// Times are Unix nanoseconds in UTC, stored as Parquet TIMESTAMP(NANOS,
// isAdjustedToUTC=true); 0 stands for "no time" and is stored as NULL.
// Strings tagged optional are NULL when empty. docs/lake.md describes every
// column.

// An EventRow is one event kept from an EVTX file: a row of the events table.
type EventRow struct {
	SchemaVersion int32    `parquet:"schema_version"`
	Tenant        string   `parquet:"tenant,dict"`
	PartID        string   `parquet:"part_id,dict"`
	Path          string   `parquet:"path,dict"`
	Chunk         int32    `parquet:"chunk"`
	Offset        int64    `parquet:"offset"`
	RecordID      int64    `parquet:"record_id"`
	Time          int64    `parquet:"time,optional,timestamp(nanosecond:utc)"`
	Provider      string   `parquet:"provider,dict"`
	EventID       int32    `parquet:"event_id"`
	Qualifiers    int32    `parquet:"qualifiers"`
	Level         int32    `parquet:"level"`
	Task          int32    `parquet:"task"`
	Keywords      uint64   `parquet:"keywords"`
	Channel       string   `parquet:"channel,dict"`
	Computer      string   `parquet:"computer,dict"`
	UserSID       string   `parquet:"user_sid,optional,dict"`
	TrackingID    string   `parquet:"tracking_id,optional"`
	Status        string   `parquet:"status,optional,dict"`
	UPN           string   `parquet:"upn,optional,dict"`
	CloudAnchor   string   `parquet:"cloud_anchor,optional,dict"`
	HResult       string   `parquet:"hresult,optional,dict"`
	Data          []string `parquet:"data,list"`
}

// An AttemptRow is one password reset, change or admin reset: a row of the
// attempts table.
type AttemptRow struct {
	SchemaVersion int32          `parquet:"schema_version"`
	Tenant        string         `parquet:"tenant,dict"`
	PartID        string         `parquet:"part_id,dict"`
	TrackingID    string         `parquet:"tracking_id"`
	Operation     string         `parquet:"operation,dict"`
	Outcome       string         `parquet:"outcome,dict"`
	UPN           string         `parquet:"upn,optional,dict"`
	AdminUPN      string         `parquet:"admin_upn,optional,dict"`
	CloudAnchor   string         `parquet:"cloud_anchor,optional,dict"`
	SourceAnchor  string         `parquet:"source_anchor,optional,dict"`
	Start         int64          `parquet:"start,optional,timestamp(nanosecond:utc)"`
	End           int64          `parquet:"end,optional,timestamp(nanosecond:utc)"`
	EventIDs      []int32        `parquet:"event_ids,list"`
	HResult       string         `parquet:"hresult,optional,dict"`
	Cause         string         `parquet:"cause,optional,dict"`
	Notes         []string       `parquet:"notes,list"`
	Events        []AttemptEvent `parquet:"events,list"`
}

// An AttemptEvent is one event of an attempt, an element of
// AttemptRow.Events.
type AttemptEvent struct {
	Path     string `parquet:"path,dict"`
	RecordID int64  `parquet:"record_id"`
	Time     int64  `parquet:"time,optional,timestamp(nanosecond:utc)"`
	Provider string `parquet:"provider,dict"`
	EventID  int32  `parquet:"event_id"`
	Status   string `parquet:"status,optional,dict"`
	HResult  string `parquet:"hresult,optional,dict"`
	Join     string `parquet:"join,optional,dict"`
	Message  string `parquet:"message"`
}

// A FindingRow is one cause found in a tenant's logs: a row of the
// findings table.
type FindingRow struct {
	SchemaVersion int32         `parquet:"schema_version"`
	Tenant        string        `parquet:"tenant,dict"`
	PartID        string        `parquet:"part_id,dict"`
	Cause         string        `parquet:"cause,dict"`
	Scope         string        `parquet:"scope,dict"`
	Severity      string        `parquet:"severity,dict"`
	Title         string        `parquet:"title,dict"`
	Count         int64         `parquet:"count"`
	FirstSeen     int64         `parquet:"first_seen,optional,timestamp(nanosecond:utc)"`
	LastSeen      int64         `parquet:"last_seen,optional,timestamp(nanosecond:utc)"`
	Evidence      []EvidenceRef `parquet:"evidence,list"`
	EvidenceTotal int64         `parquet:"evidence_total"`
	Remediation   []string      `parquet:"remediation,list"`
}

// An EvidenceRef points at one record, an element of FindingRow.Evidence.
type EvidenceRef struct {
	Path       string `parquet:"path,dict"`
	RecordID   int64  `parquet:"record_id"`
	Time       int64  `parquet:"time,optional,timestamp(nanosecond:utc)"`
	EventID    int32  `parquet:"event_id"`
	TrackingID string `parquet:"tracking_id,optional"`
}

// Kinds of InputRow.
const (
	InputEVTX    = "evtx"    // an EVTX file or entry that was read
	InputSkipped = "skipped" // a file or entry that is not EVTX
	InputError   = "error"   // a file, archive or entry that could not be read
)

// An InputRow is one file or archive entry met while reading a tenant's
// input: a row of the inputs table.
type InputRow struct {
	SchemaVersion int32    `parquet:"schema_version"`
	Tenant        string   `parquet:"tenant,dict"`
	PartID        string   `parquet:"part_id,dict"`
	Input         string   `parquet:"input,dict"`
	ContentSHA256 string   `parquet:"content_sha256,dict"`
	Kind          string   `parquet:"kind,dict"`
	Path          string   `parquet:"path"`
	Size          int64    `parquet:"size,optional"`
	Records       int64    `parquet:"records"`
	Events        int64    `parquet:"events"`
	Filtered      int64    `parquet:"filtered"`
	Skipped       int64    `parquet:"skipped"`
	Chunks        int64    `parquet:"chunks"`
	Dirty         bool     `parquet:"dirty"`
	DamagedChunks int64    `parquet:"damaged_chunks"`
	Damage        []string `parquet:"damage,list"`
	Error         string   `parquet:"error,optional"`
	Reason        string   `parquet:"reason,optional,dict"`
	FirstRecord   int64    `parquet:"first_record,optional,timestamp(nanosecond:utc)"`
	LastRecord    int64    `parquet:"last_record,optional,timestamp(nanosecond:utc)"`
}

// Partition times: the time that places a row in a date partition.
func (r *EventRow) partitionTime() int64   { return r.Time }
func (r *FindingRow) partitionTime() int64 { return r.FirstSeen }
func (r *InputRow) partitionTime() int64   { return r.FirstRecord }
func (r *AttemptRow) partitionTime() int64 {
	if r.Start != 0 {
		return r.Start
	}
	return r.End
}
