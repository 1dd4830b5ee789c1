package lake

// SchemaVersion is the version of the tables' layout, stored in the
// schema_version column of every row and, as Schema, in the key-value
// metadata of every file (key "evtxscan.schema") and in every manifest. It
// changes when a column is removed, renamed or changes meaning; adding a
// column does not change it.
//
// Version 2: times are TIMESTAMP(MICROS) with the exact record time in
// time_ticks, keywords are INT64 plus keywords_hex, paths are relative to
// the input argument, the service and tenants tables, month partitions.
const SchemaVersion = 2

// Schema names the layout: "evtxscan-lake/" and SchemaVersion.
const Schema = "evtxscan-lake/2"

// Table names, which are also the top folders of the lake.
const (
	TableEvents   = "events"
	TableAttempts = "attempts"
	TableFindings = "findings"
	TableInputs   = "inputs"
	TableService  = "service"
	TableTenants  = "tenants"
)

// Tables lists the table names in the order they are written.
func Tables() []string {
	return []string{TableEvents, TableAttempts, TableFindings, TableInputs, TableService, TableTenants}
}

// timeTables are the tables partitioned by time as well as by tenant
// (when the Partitioning has a time granularity); the others hold a few
// rows per tenant and are partitioned by tenant alone.
func timeTable(table string) bool { return table == TableEvents || table == TableAttempts }

// Compatibility by construction. Every column is one of: INT32, INT64,
// BOOLEAN, BYTE_ARRAY (UTF-8 STRING), TIMESTAMP(MICROS, isAdjustedToUTC)
// stored in INT64, and LISTs of those or of structs of those. No unsigned
// type, no nanosecond timestamp, no INT96. Times are Unix microseconds in
// UTC (see Micros); 0 stands for "no time" and is stored as NULL. The
// exact 100 ns time of a record is kept in the *_ticks columns, as a
// Windows FILETIME (see Ticks). Strings tagged optional are NULL when
// empty. docs/lake.md describes every column.

// An EventRow is one event kept from an EVTX file: a row of the events table.
type EventRow struct {
	SchemaVersion int32    `parquet:"schema_version"`
	Tenant        string   `parquet:"tenant,dict"`
	PartID        string   `parquet:"part_id,dict"`
	Path          string   `parquet:"path,dict"`
	Chunk         int32    `parquet:"chunk"`
	Offset        int64    `parquet:"offset"`
	RecordID      int64    `parquet:"record_id"`
	Time          int64    `parquet:"time,optional,timestamp(microsecond:utc)"`
	TimeTicks     int64    `parquet:"time_ticks,optional"`
	Provider      string   `parquet:"provider,dict"`
	EventID       int32    `parquet:"event_id"`
	Qualifiers    int32    `parquet:"qualifiers"`
	Level         int32    `parquet:"level"`
	Task          int32    `parquet:"task"`
	Keywords      int64    `parquet:"keywords"`
	KeywordsHex   string   `parquet:"keywords_hex,dict"`
	Channel       string   `parquet:"channel,dict"`
	Computer      string   `parquet:"computer,dict"`
	UserSID       string   `parquet:"user_sid,optional,dict"`
	TrackingID    string   `parquet:"tracking_id,optional"`
	Status        string   `parquet:"status,optional,dict"`
	UPN           string   `parquet:"upn,optional,dict"`
	CloudAnchor   string   `parquet:"cloud_anchor,optional,dict"`
	HResult       string   `parquet:"hresult,optional,dict"`
	Data          []string `parquet:"data,list,dict"`
}

// An AttemptRow is one password reset, change or admin reset: a row of the
// attempts table.
type AttemptRow struct {
	SchemaVersion int32          `parquet:"schema_version"`
	Tenant        string         `parquet:"tenant,dict"`
	Server        string         `parquet:"server,optional,dict"`
	PartID        string         `parquet:"part_id,dict"`
	TrackingID    string         `parquet:"tracking_id"`
	Operation     string         `parquet:"operation,dict"`
	Outcome       string         `parquet:"outcome,dict"`
	UPN           string         `parquet:"upn,optional,dict"`
	AdminUPN      string         `parquet:"admin_upn,optional,dict"`
	CloudAnchor   string         `parquet:"cloud_anchor,optional,dict"`
	SourceAnchor  string         `parquet:"source_anchor,optional,dict"`
	Start         int64          `parquet:"start,optional,timestamp(microsecond:utc)"`
	StartTicks    int64          `parquet:"start_ticks,optional"`
	End           int64          `parquet:"end,optional,timestamp(microsecond:utc)"`
	EndTicks      int64          `parquet:"end_ticks,optional"`
	EventIDs      []int32        `parquet:"event_ids,list"`
	HResult       string         `parquet:"hresult,optional,dict"`
	Cause         string         `parquet:"cause,optional,dict"`
	Notes         []string       `parquet:"notes,list"`
	Events        []AttemptEvent `parquet:"events,list"`
}

// An AttemptEvent is one event of an attempt, an element of
// AttemptRow.Events.
type AttemptEvent struct {
	Path      string `parquet:"path,dict"`
	RecordID  int64  `parquet:"record_id"`
	Time      int64  `parquet:"time,optional,timestamp(microsecond:utc)"`
	TimeTicks int64  `parquet:"time_ticks,optional"`
	Provider  string `parquet:"provider,dict"`
	EventID   int32  `parquet:"event_id"`
	Status    string `parquet:"status,optional,dict"`
	HResult   string `parquet:"hresult,optional,dict"`
	Join      string `parquet:"join,optional,dict"`
	Message   string `parquet:"message"`
}

// A FindingRow is one cause found in a tenant's logs: a row of the
// findings table.
type FindingRow struct {
	SchemaVersion int32         `parquet:"schema_version"`
	Tenant        string        `parquet:"tenant,dict"`
	Server        string        `parquet:"server,optional,dict"`
	PartID        string        `parquet:"part_id,dict"`
	Cause         string        `parquet:"cause,dict"`
	Scope         string        `parquet:"scope,dict"`
	Severity      string        `parquet:"severity,dict"`
	Title         string        `parquet:"title,dict"`
	Count         int64         `parquet:"count"`
	FirstSeen     int64         `parquet:"first_seen,optional,timestamp(microsecond:utc)"`
	LastSeen      int64         `parquet:"last_seen,optional,timestamp(microsecond:utc)"`
	Evidence      []EvidenceRef `parquet:"evidence,list"`
	EvidenceTotal int64         `parquet:"evidence_total"`
	Remediation   []string      `parquet:"remediation,list"`
}

// An EvidenceRef points at one record, an element of FindingRow.Evidence.
type EvidenceRef struct {
	Path       string `parquet:"path,dict"`
	RecordID   int64  `parquet:"record_id"`
	Time       int64  `parquet:"time,optional,timestamp(microsecond:utc)"`
	TimeTicks  int64  `parquet:"time_ticks,optional"`
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
	Servers       []string `parquet:"servers,list"`
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
	FirstRecord   int64    `parquet:"first_record,optional,timestamp(microsecond:utc)"`
	LastRecord    int64    `parquet:"last_record,optional,timestamp(microsecond:utc)"`
}

// A Span is a time interval of the service table: a heartbeat gap, a run
// of heartbeats or an expected-up period.
type Span struct {
	From         int64  `parquet:"start_time,optional,timestamp(microsecond:utc)"`
	To           int64  `parquet:"end_time,optional,timestamp(microsecond:utc)"`
	Seconds      int64  `parquet:"duration_seconds"`
	FromLogStart bool   `parquet:"from_log_start"`
	ToLogEnd     bool   `parquet:"to_log_end"`
	Note         string `parquet:"note,optional"`
}

// An Instant is one point in time, an element of ServiceRow.Started and
// ServiceRow.Stopped (a struct, since a Parquet list element cannot carry
// the timestamp annotation in this writer).
type Instant struct {
	Time int64 `parquet:"time,timestamp(microsecond:utc)"`
}

// A VersionSpan is when one sync-engine version was first and last named,
// an element of ServiceRow.SyncVersionSpans.
type VersionSpan struct {
	Version string `parquet:"version,dict"`
	First   int64  `parquet:"first,optional,timestamp(microsecond:utc)"`
	Last    int64  `parquet:"last,optional,timestamp(microsecond:utc)"`
}

// A RunRow is one onboarding or offboarding run, an element of
// ServiceRow.Onboarding and ServiceRow.Offboarding.
type RunRow struct {
	Start    int64   `parquet:"start,optional,timestamp(microsecond:utc)"`
	End      int64   `parquet:"end,optional,timestamp(microsecond:utc)"`
	Outcome  string  `parquet:"outcome,dict"`
	EventIDs []int32 `parquet:"event_ids,list"`
}

// A ServiceErrorRow is one group of service-level errors, an element of
// ServiceRow.Errors.
type ServiceErrorRow struct {
	Provider string `parquet:"provider,dict"`
	EventID  int32  `parquet:"event_id"`
	Count    int64  `parquet:"count"`
	First    int64  `parquet:"first,optional,timestamp(microsecond:utc)"`
	Last     int64  `parquet:"last,optional,timestamp(microsecond:utc)"`
	HResult  string `parquet:"hresult,optional,dict"`
	Message  string `parquet:"message"`
	Cause    string `parquet:"cause,optional,dict"`
}

// A ServiceRow is the health of the password writeback service of one
// server of a tenant: a row of the service table.
type ServiceRow struct {
	SchemaVersion     int32             `parquet:"schema_version"`
	Tenant            string            `parquet:"tenant,dict"`
	Server            string            `parquet:"server,optional,dict"`
	PartID            string            `parquet:"part_id,dict"`
	LogFrom           int64             `parquet:"log_from,optional,timestamp(microsecond:utc)"`
	LogTo             int64             `parquet:"log_to,optional,timestamp(microsecond:utc)"`
	Heartbeats        int64             `parquet:"heartbeats"`
	FirstHeartbeat    int64             `parquet:"first_heartbeat,optional,timestamp(microsecond:utc)"`
	LastHeartbeat     int64             `parquet:"last_heartbeat,optional,timestamp(microsecond:utc)"`
	HeartbeatRuns     []Span            `parquet:"heartbeat_runs,list"`
	HeartbeatGaps     []Span            `parquet:"heartbeat_gaps,list"`
	LongestGapSeconds int64             `parquet:"longest_gap_seconds"`
	Started           []Instant         `parquet:"started,list"`
	Stopped           []Instant         `parquet:"stopped,list"`
	Up                []Span            `parquet:"up,list"`
	Relays            []string          `parquet:"relays,list"`
	Endpoints         []string          `parquet:"endpoints,list"`
	SyncVersions      []string          `parquet:"sync_versions,list"`
	SyncVersion       string            `parquet:"sync_version,optional,dict"`
	SyncVersionSpans  []VersionSpan     `parquet:"sync_version_spans,list"`
	Onboarding        []RunRow          `parquet:"onboarding,list"`
	Offboarding       []RunRow          `parquet:"offboarding,list"`
	Errors            []ServiceErrorRow `parquet:"errors,list"`
}

// A TenantRow is one tenant of the lake with its verdict and totals: a row
// of the tenants table, one per tenant and run.
type TenantRow struct {
	SchemaVersion int32       `parquet:"schema_version"`
	Tenant        string      `parquet:"tenant,dict"`
	PartID        string      `parquet:"part_id,dict"`
	Verdict       string      `parquet:"verdict"`
	Servers       []ServerRef `parquet:"servers,list"`
	Input         string      `parquet:"input"`
	ContentSHA256 string      `parquet:"content_sha256"`
	ToolVersion   string      `parquet:"tool_version,dict"`
	Options       string      `parquet:"options,dict"`
	LogFrom       int64       `parquet:"log_from,optional,timestamp(microsecond:utc)"`
	LogTo         int64       `parquet:"log_to,optional,timestamp(microsecond:utc)"`
	Files         int64       `parquet:"files"`
	Records       int64       `parquet:"records"`
	Events        int64       `parquet:"events"`
	Attempts      int64       `parquet:"attempts"`
	Succeeded     int64       `parquet:"succeeded"`
	Failed        int64       `parquet:"failed"`
	Incomplete    int64       `parquet:"incomplete"`
	Findings      int64       `parquet:"findings"`
	Heartbeats    int64       `parquet:"heartbeats"`
	ServiceErrors int64       `parquet:"service_errors"`
	DamagedChunks int64       `parquet:"damaged_chunks"`
	Damaged       bool        `parquet:"damaged"`
}

// A ServerRef is one Entra Connect server of a tenant, an element of
// TenantRow.Servers.
type ServerRef struct {
	Name          string `parquet:"name,dict"`
	EntraTenantID string `parquet:"entra_tenant_id,optional"`
	Verdict       string `parquet:"verdict"`
	Attempts      int64  `parquet:"attempts"`
	Failed        int64  `parquet:"failed"`
}

// Partition times: the time (Unix microseconds) that places a row in a
// time partition.
func (r *EventRow) partitionTime() int64   { return r.Time }
func (r *FindingRow) partitionTime() int64 { return r.FirstSeen }
func (r *InputRow) partitionTime() int64   { return r.FirstRecord }
func (r *ServiceRow) partitionTime() int64 { return r.LogFrom }
func (r *TenantRow) partitionTime() int64  { return r.LogFrom }
func (r *AttemptRow) partitionTime() int64 {
	if r.Start != 0 {
		return r.Start
	}
	return r.End
}
