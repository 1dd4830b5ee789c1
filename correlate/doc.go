// Package correlate turns the writeback events of a Microsoft Entra Connect
// server's Application log into per-attempt timelines, a picture of the
// writeback service's health and a ranked list of findings.
//
// Extract reads the fields of one event's data strings (TrackingId, status
// token, cloudAnchor, hr, the synchronization engine's trace, …). A
// Correlator is fed the events of one server's inputs, one input after the
// other, and Finish returns the Result: attempts keyed by TrackingId with
// the ADSync 6329 events joined to them, service health, counts, the known
// events attributed to neither, and the findings named by a Diagnoser
// (normally *catalog.Catalog), roots before their consequences.
//
// # Rules
//
// Attempts. PasswordResetService 31001, 31006 and 31009 start a reset, a
// change and an admin reset; 31002, 31007 and 31010 end one successfully;
// 31003, 31008, 31011 and 33001–33009 end one with a failure. An attempt
// is keyed by its TrackingId across inputs and begins with its start event
// or, when the start lies in a log that was not supplied, with its first
// result or failure event (it then carries a note). No event id
// distinguishes an unlock: an attempt is an unlock only when its status
// token names one ("…Unlock…"). An attempt without a result is
// incomplete; it carries a note when a damaged chunk (NoteDamage) could hold
// its result: a chunk whose time range meets the time from the attempt's
// first event to JoinWindow after its last, or a chunk of one of the
// attempt's inputs whose time range is unknown. ADSync 403/405 (logged
// between the start and the success of a reset) and Directory
// Synchronization 656/657 (password hash sync, the cloud direction) are
// counted, not kept.
//
// Service events and attempts. A service-level event (32000–32015, 31034,
// 31044, 6800) never starts an attempt. One that carries the TrackingId of
// an attempt (an attempt-level event with that TrackingId is anywhere in
// the inputs) is that attempt's result: the attempt fails, and its cause is
// the catalog's for the evidence — the most specific attempt-level cause,
// or, when only the fallbacks match, the service-level one (32004 after a
// 31001: key-mismatch). One whose TrackingId matches no attempt is a
// service event like those without TrackingId (Counts.ServiceWithID): it
// joins Service.Errors, grouped by its message with the TrackingId left
// out, and the findings. The decision is made in Finish, so the order of
// the inputs does not matter.
//
// Nothing known is dropped. Every event the catalog knows ends in an
// attempt, in the service's record (heartbeats, lifecycle, runs, errors),
// in the counts of ADSync 403/405 and password hash sync, or in a listed,
// counted Unattributed group: attempt events without a readable TrackingId
// (Reason no-tracking-id; a failure among them is still diagnosed one by
// one and is evidence of its cause's finding), and known events that play
// no part in a timeline (Reason no-part; the engine errors met beside
// writeback — ADSync 6306, Directory Synchronization 611 and 6900 — are
// diagnosed from their text, and a specific cause becomes a finding).
//
// Cause chains. A finding whose cause is a consequence of another
// finding's cause (catalog.Cause.Consequences, followed transitively), with
// times within HeartbeatGap of each other, names that root in Because and
// Note ("because of …") and is listed after it; otherwise findings are
// ranked by severity and count.
//
// Joining ADSync 6329. A 6329 has no TrackingId. One whose "AAD anchor =
// User_…" equals an attempt's cloudAnchor joins that attempt when the 6329
// lies within Config.JoinWindow (default 2 minutes) of the attempt's span;
// the nearest such attempt wins (Join "anchor"). A 6329 without an anchor,
// or whose anchor no attempt carries, joins the nearest unsuccessful attempt
// within the window (when the 6329 names an anchor, only an attempt whose
// cloudAnchor is unknown), preferring one with the same hresult and then
// one without a 6329 yet (Join "hr-nearest"); a
// 6329 whose hresult differs from the attempt's joins it only within 10
// seconds of its span (ADSync may log the underlying Win32 error). Joins
// are decided in Finish, when every event is known, so the order in which
// the 6329 and the PasswordResetService events arrive does not matter.
// A 6329 that joins nothing is diagnosed on its own.
//
// Heartbeat gaps. The service is expected to be up from a 31015 (started)
// to the next 31016 (stopped); before its first lifecycle event it is taken
// as up when that event is a stop, or, when there is none at all, when the
// log holds a heartbeat or a writeback attempt (writeback is evidently
// configured). A gap is a silence longer than Config.HeartbeatGap (default
// 15 minutes) between consecutive 31019s of any relay, or from the log's
// first event to the first 31019 when the service is up at the start. A
// stop and a start inside a silence do not end it (writeback was
// unavailable all along); the gap's note names them. The silence from the
// last 31019 to the log's last event, while the service is up at the end,
// is not a gap but Service.EndSilence ("no heartbeat in the last N min of
// the log"), the heartbeat-silent-end finding. A service stopped to the
// end of the log has no silence after its stop (it is the
// writeback-service-stopped finding).
//
// The log's span. The Application log is the service's clock: the span
// runs from the first to the last record of the channels that carry the
// writeback sources (Application, or whichever channel their events
// name), records of unknown channel included, widened by NoteSpan to
// records read but not fed. Records of other logs (System, Security,
// Setup …, and NoteChannelSpan of those channels) never widen it, so a
// System log that runs past the Application log makes no silence.
//
// Servers. A Correlator is fed the records of one server (Config.Server,
// the Computer of the records) of one tenant; the caller keeps servers
// apart. Attempts, findings, the service and the unattributed groups
// carry both names.
//
// User-side causes. A cause the catalog marks UserSide (disabled or locked
// account, wrong current password, a policy rejection) is reported with
// severity info unless it dominates: it explains more than half of the
// failed attempts (unjoined 6329s and failures without TrackingId counted
// as failed) and at least three of them.
package correlate
