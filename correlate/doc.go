// Package correlate turns the writeback events of a Microsoft Entra Connect
// server's Application log into per-attempt timelines, a picture of the
// writeback service's health and a ranked list of findings.
//
// Extract reads the fields of one event's data strings (TrackingId, status
// token, cloudAnchor, hr, the synchronization engine's trace, …). A
// Correlator is fed the events of one tenant's inputs, one input after the
// other, and Finish returns the Result: attempts keyed by TrackingId with
// the ADSync 6329 events joined to them, service health, counts, and the
// findings named by a Diagnoser (normally *catalog.Catalog).
//
// # Rules
//
// Attempts. PasswordResetService 31001, 31006 and 31009 start a reset, a
// change and an admin reset; 31002, 31007 and 31010 end one successfully;
// 31003, 31008, 31011, 33001–33009 and any 32xxx event carrying a TrackingId
// end one with a failure. Events are keyed by TrackingId across inputs. No
// event id distinguishes an unlock: an attempt is an unlock only when its
// status token names one ("…Unlock…"). An attempt without a result is
// incomplete; it carries a note when a damaged chunk (NoteDamage) could hold
// its result: a chunk whose time range meets the time from the attempt's
// first event to JoinWindow after its last, or a chunk of one of the
// attempt's inputs whose time range is unknown. ADSync 403/405 (logged
// between the start and the success of a reset) and Directory
// Synchronization 656/657 (password hash sync, the cloud direction) are
// counted, not kept.
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
// 15 minutes) between consecutive 31019s of any relay, from the log's first
// event to the first 31019 when the service is up at the start, and from
// the last 31019 to the log's last event when it is up at the end. A stop
// and a start inside a silence do not end it (writeback was unavailable all
// along); the gap's note names them. A service stopped to the end of the
// log has no gap after its stop (it is the writeback-service-stopped
// finding). The log's span runs from the first to the last event fed, of
// any provider, widened by NoteSpan to records read but not fed.
//
// User-side causes. A cause the catalog marks UserSide (disabled or locked
// account, wrong current password, a policy rejection) is reported with
// severity info unless it dominates: it explains more than half of the
// failed attempts and at least three of them.
package correlate
