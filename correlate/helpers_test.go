package correlate

import (
	"fmt"
	"strings"
	"time"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/parser"
)

var t0 = time.Date(2024, 5, 14, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// input numbers the records of one synthetic .evtx file.
type input struct {
	path string
	rec  uint64
}

func (in *input) ev(t time.Time, provider string, id uint16, data ...string) *parser.Event {
	in.rec++
	return &parser.Event{
		Path: in.path, RecordID: in.rec, Time: t, Provider: provider, EventID: id,
		Channel: "Application", Computer: "AADC01.contoso.local", Data: data,
	}
}

func startText(tid, upn string) string {
	return fmt.Sprintf("TrackingId: %s, PasswordResetRequestStart, Details: %s", tid, upn)
}

func successText(tid, anchor, upn string) string {
	return fmt.Sprintf("TrackingId: %s, PasswordResetSuccess, Details: Context: cloudAnchor: %s, SourceAnchorValue: AAAAAAAAAAAAAAAAAAAAAA==, UserPrincipalName: %s, unblockUser: True", tid, anchor, upn)
}

// failText is a 33xxx of a reset in the shape of seed 000's 33002.
func failText(tid, anchor, upn string, hr uint32, msg string) string {
	return fmt.Sprintf("TrackingId: %s, Reason: Synchronization Engine returned an error hr=%08X, message=%s, Context: cloudAnchor: %s, SourceAnchorValue: AMFLaZcQeEerjEZiNFC+BA==, UserPrincipalName: %s, unblockUser: True, Details: Microsoft.CredentialManagement.OnPremisesPasswordReset.Shared.PasswordResetException: Synchronization Engine returned an error hr=%08X, message=%s\r\n"+
		"   at AADPasswordReset.SynchronizationEngineManagedHandle.ThrowSyncEngineError(Int32 hr)\r\n"+
		"   at Microsoft.CredentialManagement.OnPremisesPasswordReset.PasswordResetCredentialManager.ResetUserPassword(String passwordResetXmlRequestString, Boolean unlockUser)",
		tid, hr, msg, anchor, upn, hr, msg)
}

// seed000Fail is seed 000's 33002 with another tracking id, anchor and user.
func seed000Fail(tid, anchor, upn string) string {
	return strings.NewReplacer(
		"62a5da50-8a6b-43a4-8418-82f88522ab34", tid,
		"User_966e4393-d730-423c-a3c9-001a3699575f", anchor,
		"User-1@Tailspintoys.ca", upn,
	).Replace(text33002)
}

// seed000Set is seed 000's 6329 with another anchor ("" drops the anchor).
func seed000Set(anchor string) string {
	if anchor == "" {
		return strings.Replace(text6329, " AAD anchor = User_966e4393-d730-423c-a3c9-001a3699575f", "", 1)
	}
	return strings.Replace(text6329, "User_966e4393-d730-423c-a3c9-001a3699575f", anchor, 1)
}

// setText is a 6329 with one BAIL line.
func setText(hr uint32, msg, anchor string) string {
	s := fmt.Sprintf("An unexpected error has occurred during a password set operation.\r\n\"BAIL: MMS(4120): admaexport.cpp(2963): 0x%08x (%s)", hr, msg)
	if anchor != "" {
		s += ": AAD anchor = " + anchor
	}
	return s + "Azure AD Sync 2.4.18.0\""
}

func heartbeatText(relay string) string {
	return "Heartbeat sent to " + relay + ".servicebus.windows.net, endpoint 4f8c2a1e-9b3d-4e5f-8a7b-6c5d4e3f2a1b_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
}

func anchorN(n int) string { return fmt.Sprintf("User_%08d-1111-2222-3333-444444444444", n) }
func tidN(n int) string    { return fmt.Sprintf("%08d-aaaa-bbbb-cccc-dddddddddddd", n) }

// fakeDiagnoser names causes by the event ids of the evidence: the first
// item whose id is in byID wins.
type fakeDiagnoser struct {
	causes map[string]catalog.Cause
	byID   map[int]string
}

func (f fakeDiagnoser) Diagnose(scope catalog.Scope, ev []catalog.Evidence) (catalog.Cause, []int, bool) {
	for i, e := range ev {
		if id, ok := f.byID[e.EventID]; ok && f.causes[id].Scope == scope {
			return f.causes[id], []int{i}, true
		}
	}
	return catalog.Cause{}, nil, false
}

func (f fakeDiagnoser) Cause(id string) (catalog.Cause, bool) {
	k, ok := f.causes[id]
	return k, ok
}

func newFake() fakeDiagnoser {
	mk := func(id string, scope catalog.Scope, sev catalog.Severity, user bool) catalog.Cause {
		return catalog.Cause{ID: id, Scope: scope, Title: "title of " + id, Severity: sev, UserSide: user, Remediation: []string{"fix " + id}}
	}
	causes := map[string]catalog.Cause{}
	for _, k := range []catalog.Cause{
		mk("account-disabled", catalog.ScopeAttempt, catalog.SeverityWarning, true),
		mk("ad-permissions", catalog.ScopeAttempt, catalog.SeverityError, false),
		mk("user-not-found", catalog.ScopeAttempt, catalog.SeverityError, false),
		mk("password-policy", catalog.ScopeAttempt, catalog.SeverityWarning, true),
		mk(CauseAttemptIncomplete, catalog.ScopeAttempt, catalog.SeverityWarning, false),
		mk(CauseAttemptUnknown, catalog.ScopeAttempt, catalog.SeverityError, false),
		mk("servicebus-unreachable", catalog.ScopeService, catalog.SeverityCritical, false),
		mk(CauseHeartbeatGap, catalog.ScopeService, catalog.SeverityWarning, false),
		mk(CauseServiceStopped, catalog.ScopeService, catalog.SeverityCritical, false),
		mk(CauseOnboardingFailed, catalog.ScopeService, catalog.SeverityCritical, false),
	} {
		causes[k.ID] = k
	}
	return fakeDiagnoser{causes: causes, byID: map[int]string{
		33005: "account-disabled", 33004: "ad-permissions", 33002: "user-not-found",
		33008: "password-policy", 32002: "servicebus-unreachable",
	}}
}
