package report

import (
	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/scan"
)

// One function per type the JSON of a Report holds, each writing the
// fields in the order of the struct and as its tags say (omitempty: Omit,
// omitzero: Omitzero). A field added to one of these structs must be added
// here too: TestJSONEveryField fails until it is.

func writeReport(e *jsonWriter, r *scan.Report) {
	e.open('{')
	e.stringField("schema", r.Schema)
	e.stringField("tool", r.Tool)
	if r.Interrupted != nil { // omitempty (interrupted.go)
		e.key("interrupted")
		writeInterruption(e, r.Interrupted)
	}
	e.stringField("verdict", r.Verdict)
	listField(e, "tenants", r.Tenants, writeTenant)
	listField(e, "inputs", r.Inputs, writeInput)
	listField(e, "skipped", r.Skipped, writeSkipped)
	e.stringsField("errors", r.Errors)
	e.key("attempts")
	writeAttempts(e, r.Attempts)
	listField(e, "findings", r.Findings, writeFinding)
	listField(e, "service", r.Service, writeService)
	e.key("counts")
	writeCounts(e, &r.Counts)
	listField(e, "unjoined_6329", r.Unjoined, writeAttemptEvent)
	listField(e, "unattributed", r.Unattributed, writeUnattributed)
	listField(e, "damage", r.Damage, writeDamage)
	e.close('}')
}

func writeTenant(e *jsonWriter, t *scan.Tenant) {
	e.open('{')
	e.stringField("name", t.Name)
	e.stringField("verdict", t.Verdict)
	listField(e, "servers", t.Servers, writeServer)
	e.close('}')
}

func writeServer(e *jsonWriter, s *scan.Server) {
	e.open('{')
	e.stringOmit("name", s.Name)
	e.stringOmit("tenant_id", s.TenantID)
	e.stringField("verdict", s.Verdict)
	e.key("counts")
	writeCounts(e, &s.Counts)
	e.stringsField("inputs", s.Inputs)
	e.close('}')
}

func writeInput(e *jsonWriter, in *scan.Input) {
	e.open('{')
	e.stringField("tenant", in.Tenant)
	e.stringsField("servers", in.Servers)
	e.stringField("path", in.Path)
	e.int64Field("size", in.Size)
	e.intField("records", in.Records)
	e.intField("events", in.Events)
	e.intField("filtered", in.Filtered)
	e.intField("skipped", in.Skipped)
	e.intField("chunks", in.Chunks)
	e.boolField("dirty", in.Dirty)
	e.intField("damaged_chunks", in.DamagedCount)
	e.stringsField("damage", in.Damage)
	e.stringOmit("error", in.Error)
	e.close('}')
}

func writeSkipped(e *jsonWriter, s *scan.Skipped) {
	e.open('{')
	e.stringField("path", s.Path)
	e.stringField("reason", s.Reason)
	e.close('}')
}

func writeAttempt(e *jsonWriter, a *correlate.Attempt) {
	e.open('{')
	writeAttemptFields(e, a)
	e.close('}')
}

// writeAttemptFields writes the members of an Attempt, without the braces
// (NDJSON puts "kind" before them).
func writeAttemptFields(e *jsonWriter, a *correlate.Attempt) {
	e.stringField("tenant", a.Tenant)
	e.stringOmit("server", a.Server)
	e.stringField("tracking_id", a.TrackingID)
	e.stringField("operation", a.Operation)
	e.stringField("outcome", a.Outcome)
	e.stringOmit("upn", a.UPN)
	e.stringOmit("admin_upn", a.AdminUPN)
	e.stringOmit("cloud_anchor", a.CloudAnchor)
	e.stringOmit("source_anchor", a.SourceAnchor)
	e.timeOmitzero("start", a.Start)
	e.timeOmitzero("end", a.End)
	e.intsField("event_ids", a.EventIDs)
	e.hresultOmit("hresult", a.HResult)
	e.stringOmit("cause", a.Cause)
	listField(e, "events", a.Events, writeAttemptEvent)
	e.stringsField("notes", a.Notes)
}

func writeAttemptEvent(e *jsonWriter, ev *correlate.AttemptEvent) {
	e.open('{')
	e.stringOmit("tenant", ev.Tenant)
	e.stringOmit("server", ev.Server)
	e.stringField("path", ev.Path)
	e.uint64Field("record_id", ev.RecordID)
	e.timeOmitzero("time", ev.Time)
	e.stringField("provider", ev.Provider)
	e.intField("event_id", ev.EventID)
	e.stringOmit("status", ev.Status)
	e.hresultOmit("hresult", ev.HResult)
	e.stringOmit("join", ev.Join)
	e.stringOmit("message", ev.Message)
	e.close('}')
}

func writeFinding(e *jsonWriter, f *correlate.Finding) {
	e.open('{')
	writeFindingFields(e, f)
	e.close('}')
}

func writeFindingFields(e *jsonWriter, f *correlate.Finding) {
	e.stringField("tenant", f.Tenant)
	e.stringOmit("server", f.Server)
	e.stringField("cause", f.Cause)
	e.stringField("scope", f.Scope)
	e.stringField("severity", f.Severity)
	e.stringField("title", f.Title)
	e.intField("count", f.Count)
	e.timeOmitzero("first_seen", f.FirstSeen)
	e.timeOmitzero("last_seen", f.LastSeen)
	listField(e, "evidence", f.Evidence, writeEvidence)
	e.intField("evidence_total", f.EvidenceTotal)
	e.stringsField("remediation", f.Remediation)
	e.stringsOmit("because", f.Because)
	e.stringOmit("note", f.Note)
}

func writeEvidence(e *jsonWriter, r *correlate.EvidenceRef) {
	e.open('{')
	e.stringField("path", r.Path)
	e.uint64Field("record_id", r.RecordID)
	e.timeOmitzero("time", r.Time)
	e.intField("event_id", r.EventID)
	e.stringOmit("tracking_id", r.TrackingID)
	e.close('}')
}

// writeService writes a scan.Service: its Tenant and Server hide those of
// the correlate.Service it embeds, whose other fields follow.
func writeService(e *jsonWriter, s *scan.Service) {
	e.open('{')
	e.stringField("tenant", s.Tenant)
	e.stringOmit("server", s.Server)
	c := &s.Service
	e.timeOmitzero("log_from", c.LogFrom)
	e.timeOmitzero("log_to", c.LogTo)
	e.intField("heartbeats", c.Heartbeats)
	e.timeOmitzero("first_heartbeat", c.FirstHeartbeat)
	e.timeOmitzero("last_heartbeat", c.LastHeartbeat)
	listField(e, "heartbeat_gaps", c.HeartbeatGaps, writeSpan)
	if c.EndSilence != nil {
		e.key("end_silence")
		writeSpan(e, c.EndSilence)
	}
	e.timesField("started", c.Started)
	e.timesField("stopped", c.Stopped)
	listField(e, "up", c.Up, writeSpan)
	e.stringsField("relays", c.Relays)
	e.stringsField("connector_accounts", c.ConnectorAccounts)
	e.stringsField("endpoints", c.Endpoints)
	e.stringsField("sync_versions", c.SyncVersions)
	listField(e, "sync_version_spans", c.SyncVersionSpans, writeVersionSpan)
	listField(e, "onboarding", c.Onboarding, writeRun)
	listField(e, "offboarding", c.Offboarding, writeRun)
	listField(e, "errors", c.Errors, writeServiceError)
	e.close('}')
}

func writeSpan(e *jsonWriter, s *correlate.Span) {
	e.open('{')
	e.timeOmitzero("from", s.From)
	e.timeOmitzero("to", s.To)
	e.boolField("from_log_start", s.FromLogStart)
	e.boolField("to_log_end", s.ToLogEnd)
	e.stringOmit("note", s.Note)
	e.close('}')
}

func writeVersionSpan(e *jsonWriter, v *correlate.VersionSpan) {
	e.open('{')
	e.stringField("version", v.Version)
	e.timeOmitzero("first", v.First)
	e.timeOmitzero("last", v.Last)
	e.close('}')
}

func writeRun(e *jsonWriter, r *correlate.Run) {
	e.open('{')
	e.timeOmitzero("start", r.Start)
	e.timeOmitzero("end", r.End)
	e.stringField("outcome", r.Outcome)
	e.intsField("event_ids", r.EventIDs)
	listField(e, "evidence", r.Evidence, writeEvidence)
	e.close('}')
}

func writeServiceError(e *jsonWriter, s *correlate.ServiceError) {
	e.open('{')
	e.stringField("provider", s.Provider)
	e.intField("event_id", s.EventID)
	e.intField("count", s.Count)
	e.timeOmitzero("first", s.First)
	e.timeOmitzero("last", s.Last)
	e.hresultOmit("hresult", s.HResult)
	e.stringField("message", s.Message)
	e.stringField("cause", s.Cause)
	listField(e, "evidence", s.Evidence, writeEvidence)
	e.close('}')
}

func writeCounts(e *jsonWriter, c *correlate.Counts) {
	e.open('{')
	e.intField("events", c.Events)
	e.intField("unrelated", c.Unrelated)
	e.intField("attempts", c.Attempts)
	e.intField("succeeded", c.Succeeded)
	e.intField("failed", c.Failed)
	e.intField("incomplete", c.Incomplete)
	e.intField("joined_6329", c.Joined6329)
	e.intField("unjoined_6329", c.Unjoined6329)
	e.intField("unkeyed", c.Unkeyed)
	e.intField("unattributed", c.Unattributed)
	e.intField("service_with_tracking_id", c.ServiceWithID)
	e.intField("heartbeats", c.Heartbeats)
	e.intField("service_errors", c.ServiceErrors)
	e.intField("hash_sync", c.HashSync)
	e.intField("noise", c.Noise)
	e.intField("other", c.Other)
	e.intField("damaged_chunks", c.DamagedChunks)
	e.close('}')
}

func writeUnattributed(e *jsonWriter, u *correlate.Unattributed) {
	e.open('{')
	writeUnattributedFields(e, u)
	e.close('}')
}

func writeUnattributedFields(e *jsonWriter, u *correlate.Unattributed) {
	e.stringField("tenant", u.Tenant)
	e.stringOmit("server", u.Server)
	e.stringField("provider", u.Provider)
	e.intField("event_id", u.EventID)
	e.stringOmit("name", u.Name)
	e.stringField("reason", u.Reason)
	e.intField("count", u.Count)
	e.timeOmitzero("first", u.First)
	e.timeOmitzero("last", u.Last)
	e.stringOmit("cause", u.Cause)
	e.stringOmit("message", u.Message)
	listField(e, "evidence", u.Evidence, writeEvidence)
}

func writeDamage(e *jsonWriter, d *correlate.Damage) {
	e.open('{')
	e.stringField("path", d.Path)
	e.intField("chunk", d.Chunk)
	e.timeOmitzero("from", d.From)
	e.timeOmitzero("to", d.To)
	e.close('}')
}
