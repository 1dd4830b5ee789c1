package catalog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Texts as they appear in the field (seed 000, event-formats.md, seed 004).
const (
	seed000_6329 = "An unexpected error has occurred during a password set operation.\r\n" +
		"\"ERR_: MMS(9032): ..\\ObjectSearcher.cpp(461): AD Object is not present.\r\n" +
		"BAIL: MMS(9032): ..\\ObjectSearcher.cpp(491): 0x80230405 (The operation failed " +
		"because the object cannot be found): No password writeback targets found. Make " +
		"sure that the source object exists and is connected to the target objects via MV " +
		"and the target object is in scope of password sync rule. AAD anchor = " +
		"User_966e4393-d730-423c-a3c9-001a3699575fAzure AD Sync 2.5.79.0\""

	rpc6329 = "An unexpected error has occurred during a password set operation.\n" +
		"\"BAIL: MMS(4984): ..\\dnutils.cpp(1341): 0x800700b7 (Cannot create a file when that file already exists.)\n" +
		"ERR_: MMS(4984): X:\\bt\\1016372\\repo\\src\\dev\\sync\\ma\\shared\\inc\\MAUtils.h(58): Failed getting registry value 'ADMADoNormalization', 0x2\n" +
		"ERR_: MMS(4984): admaexport.cpp(2939): Failed to acquire user information: 0x6ba\n" +
		"BAIL: MMS(4984): admaexport.cpp(2963): 0x80004005 (Unspecified error)\n" +
		"ERR_: MMS(4984): ..\\ma.cpp(8000): ExportPasswordSet failed with 0x80004005\n" +
		"Azure AD Sync 1.4.18.0\""

	samDenied6329 = "An unexpected error has occurred during a password set operation.\n" +
		"\"ERR_: MMS(5012): admaexport.cpp(2944): Failed to acquire user information: " +
		"Contoso\\MSOL_0123456789ab. Error Code: ERROR_ACCESS_DENIED\nAzure AD Sync 2.1.20.0\""

	restriction6329 = "An unexpected error has occurred during a password set operation.\n" +
		"\"BAIL: MMS(4924): admaexport.cpp(2980): 0x80230619 (A restriction prevents the " +
		"password from being changed to the current one specified.)\nAzure AD Sync 2.2.1.0\""

	ldapControl6329 = "An unexpected error has occurred during a password set operation.\n" +
		"\"ERR_: MMS(3040): admaexport.cpp(2837): The server doesn't contain the LDAP " +
		"password policy control.\nAzure AD Sync 2.3.8.0\""

	notEnabled6329 = "An unexpected error has occurred during a password set operation.\n" +
		"\"BAIL: MMS(6120): ..\\ma.cpp(8000): 0x8023061f (The operation failed because " +
		"password synchronization is not enabled on this Management Agent)\nAzure AD Sync 2.4.18.0\""

	start31001 = "TrackingId: e9654057-f2df-452c-8f69-132a882798d9, PasswordResetRequestStart, " +
		"Details: amercer@davidbielascomcast.onmicrosoft.com"
	success31002 = "TrackingId: e9654057-f2df-452c-8f69-132a882798d9, PasswordResetSuccess, " +
		"Details: Context: cloudAnchor: User_a5a99e6f-dc5b-4d63-8092-acdf79965131, " +
		"SourceAnchorValue: jYCmV0xpzky2gk+pHsGVng==, UserPrincipalName: " +
		"amercer@davidbielascomcast.onmicrosoft.com, unblockUser: True"
)

// failure builds a PasswordResetService failure text in the layout of
// event-formats.md (reason, context, exception and stack).
func failure(reason string) string {
	return "TrackingId: 7344da2c-ab9d-42ef-adea-4a17d07fdeb9, Reason: " + reason +
		", Context: cloudAnchor: User_9b83f544-ba22-4ffb-bff5-c1c2374d654c, SourceAnchorValue: " +
		"F39SWQrM2EidaboN8UC8Ww==, UserPrincipalName: ethan@contoso.co.uk, unblockUser: True, " +
		"Details: Microsoft.CredentialManagement.OnPremisesPasswordReset.Shared." +
		"PasswordResetException: " + reason + "\r\n" +
		"   at AADPasswordReset.SynchronizationEngineManagedHandle.ThrowSyncEngineError(Int32 hr)\r\n" +
		"   at AADPasswordReset.SynchronizationEngineManagedHandle.ResetPassword(String cloudAnchor, " +
		"String sourceAnchor, String password, Boolean fForcePasswordChangeAtLogon, Boolean " +
		"fUnlockAccount, Boolean isSelfServiceOperation)"
}

func engine(hr, msg string) string {
	return failure("Synchronization Engine returned an error hr=" + hr + ", message=" + msg)
}

func prs(id int, text string) Evidence {
	return Evidence{Source: SourcePasswordReset, EventID: id, Text: text}
}

func adsync(id int, text string) Evidence {
	return Evidence{Source: SourceADSync, EventID: id, Text: text}
}

var diagnoseCases = []struct {
	name    string
	scope   Scope
	ev      []Evidence
	want    string // "" = no cause
	matched []int  // nil = not checked
}{
	// Attempt level.
	{"seed 000: 6329 no targets + 33002", ScopeAttempt, []Evidence{
		prs(31001, start31001),
		adsync(6329, seed000_6329),
		prs(33002, engine("80230405", "The operation failed because the object cannot be found")),
	}, "sync-rule-password-sync-missing", []int{1, 2}},
	{"seed 000: 6329 alone", ScopeAttempt, []Evidence{adsync(6329, seed000_6329)},
		"sync-rule-password-sync-missing", []int{0}},
	{"33002 alone", ScopeAttempt, []Evidence{
		prs(31001, start31001),
		prs(33002, engine("80230405", "The operation failed because the object cannot be found")),
	}, "user-not-found", []int{1}},
	{"33002 with the HRESULT in the field only", ScopeAttempt, []Evidence{
		{Source: SourcePasswordReset, EventID: 31003, HResult: 0x80230405, Text: "PasswordResetFail"},
	}, "user-not-found", []int{0}},
	{"33003 duplicated anchor", ScopeAttempt, []Evidence{
		prs(33003, engine("80230402", "An attempt to get an object failed because there are duplicated entries with the same anchor.")),
	}, "multiple-matches", nil},
	{"multiple matches text in a 6329", ScopeAttempt, []Evidence{
		adsync(6329, "An unexpected error has occurred during a password set operation.\n\"ERR_: MMS(1): x.cpp(1): Multiple matches found\""),
	}, "multiple-matches", nil},
	{"33004 alone", ScopeAttempt, []Evidence{
		prs(31001, start31001),
		prs(33004, engine("80230626", "The password could not be updated because the management agent credentials were denied access.")),
	}, "ad-permissions", []int{1}},
	{"33004 + 6329 ERROR_ACCESS_DENIED (SSPR_0029)", ScopeAttempt, []Evidence{
		prs(31001, start31001),
		prs(33004, engine("80230626", "The password could not be updated because the management agent credentials were denied access.")),
		adsync(6329, samDenied6329),
	}, "restrict-remote-sam", []int{1, 2}},
	{"protected account", ScopeAttempt, []Evidence{
		prs(33004, failure("Requesting user was denied access to perform the operation on a privileged account.")),
	}, "protected-account", nil},
	{"protected account with hr", ScopeAttempt, []Evidence{
		prs(33004, engine("80230626", "Requesting user was denied access to perform the operation on a privileged account.")),
	}, "protected-account", nil},
	{"33008 policy", ScopeAttempt, []Evidence{
		prs(33008, failure("A restriction prevents the password from being changed to the current one specified.")),
	}, "password-policy", nil},
	{"6329 0x80230619 + 31003", ScopeAttempt, []Evidence{
		adsync(6329, restriction6329),
		prs(31003, engine("80230619", "A restriction prevents the password from being changed to the current one specified.")),
	}, "password-policy", []int{0, 1}},
	{"LDAP policy control", ScopeAttempt, []Evidence{
		adsync(6329, ldapControl6329),
		prs(33009, failure("Synchronization Engine returned an error hr=80004005, message=Unspecified error")),
	}, "ldap-policy-hints-missing", []int{0}},
	{"forest added after writeback", ScopeAttempt, []Evidence{
		adsync(6329, notEnabled6329),
		prs(33009, engine("8023061F", "The operation failed because password synchronization is not enabled on this Management Agent")),
	}, "password-sync-not-enabled-on-ma", []int{0, 1}},
	{"connector password too long (unlock)", ScopeAttempt, []Evidence{
		prs(33001, engine("800700CE", "The filename or extension is too long")),
	}, "adma-password-too-long", nil},
	{"RPC 6329", ScopeAttempt, []Evidence{adsync(6329, rpc6329)}, "dc-unreachable", []int{0}},
	{"hr=80230818", ScopeAttempt, []Evidence{
		prs(33009, engine("80230818", "The password could not be updated because a domain controller could not be contacted.")),
	}, "dc-unreachable", nil},
	{"LDAP signing required", ScopeAttempt, []Evidence{
		prs(33009, engine("8023062C", "The password could not be set because the server is not configured for insecure setting of passwords, or a 128 bit TLS or SSL connection is required.")),
	}, "ldaps-required", nil},
	{"reserved character in DN", ScopeAttempt, []Evidence{
		prs(33001, engine("80005000", "")),
	}, "dn-reserved-characters", nil},
	{"33005", ScopeAttempt, []Evidence{prs(33005, failure("The user account is disabled."))}, "account-disabled", nil},
	{"33006", ScopeAttempt, []Evidence{prs(33006, failure("The user account is locked out."))}, "account-locked", nil},
	{"33007", ScopeAttempt, []Evidence{prs(33007, failure("The specified current password is incorrect."))}, "wrong-current-password", nil},
	{"33009 without detail", ScopeAttempt, []Evidence{prs(33009, failure("Active Directory configuration error."))}, "ad-configuration", nil},
	{"33001 unknown hr", ScopeAttempt, []Evidence{
		prs(31001, start31001),
		prs(33001, engine("80231234", "Something new")),
	}, "ad-unknown", []int{1}},
	{"31003 without reason", ScopeAttempt, []Evidence{prs(31003, "PasswordResetFail")}, "ad-unknown", nil},
	{"start only", ScopeAttempt, []Evidence{prs(31001, start31001)}, "attempt-incomplete", []int{0}},
	{"change start only", ScopeAttempt, []Evidence{prs(31006, "TrackingId: x, ChangePasswordRequestStart, Details: u@x")}, "attempt-incomplete", nil},
	{"success has no cause", ScopeAttempt, []Evidence{prs(31002, success31002)}, "", nil},
	{"heartbeat is no attempt cause", ScopeAttempt, []Evidence{prs(31019, "ServiceBusHeartBeat")}, "", nil},
	{"empty", ScopeAttempt, nil, "", nil},

	// Service level.
	{"32002", ScopeService, []Evidence{
		prs(32002, "Error Connecting to ServiceBus. The token provider was unable to provide a security token."),
	}, "servicebus-unreachable", nil},
	{"32001", ScopeService, []Evidence{prs(32001, "ServiceError")}, "servicebus-unreachable", nil},
	{"31034 certificate", ScopeService, []Evidence{
		prs(31019, "ServiceBusHeartBeat"),
		prs(31034, "The connection to the connect service was lost. The remote certificate is invalid according to the validation procedure."),
	}, "tls-root-ca", []int{1}},
	{"31034 connection lost", ScopeService, []Evidence{
		prs(31034, "The connection to the connect service was lost."),
	}, "servicebus-unstable", nil},
	{"32014 retries", ScopeService, []Evidence{prs(32014, "ServiceBusWarning"), prs(32014, "ServiceBusWarning")},
		"servicebus-unstable", []int{0, 1}},
	{"31044 host down", ScopeService, []Evidence{prs(31044, "PasswordResetService")}, "writeback-down", nil},
	{"31044 published text", ScopeService, []Evidence{prs(31044, "TrackingId: 0f8c1b52-9d2e-4c1a-b7e4-5a6d3c2b1a09, Password writeback service is not in a healthy state. No serviceHost for service bus endpoints are in running state.")}, "writeback-down", nil},
	{"6306 clock skew", ScopeService, []Evidence{adsync(6306, "The server encountered an unexpected error: The clocks on the client and server machines are skewed.")}, "clock-skew", nil},
	{"32002 time skew", ScopeService, []Evidence{prs(32002, "Error Connecting to ServiceBus. The token provider was unable to provide a security token. 0x80090324")}, "clock-skew", nil},
	{"32009 auth token", ScopeService, []Evidence{
		prs(31004, "OnboardingEventStart"), prs(32009, "Error getting auth token."), prs(32011, "OnBoardingServiceError"),
	}, "auth-token", []int{1}},
	{"32011 onboarding", ScopeService, []Evidence{prs(31004, "OnboardingEventStart"), prs(32011, "OnBoardingServiceError")},
		"onboarding-failed", []int{1}},
	{"31014 offboarding", ScopeService, []Evidence{prs(31012, "OffboardingEventStart"), prs(31014, "OffboardingEventFail")},
		"offboarding-failed", []int{1}},
	{"32013 offboarding", ScopeService, []Evidence{prs(32013, "OffBoardingError")}, "offboarding-failed", nil},
	{"6800", ScopeService, []Evidence{adsync(6800, "The password reset endpoint failed to start.")}, "endpoint-not-started", nil},
	{"31016 stopped", ScopeService, []Evidence{prs(31015, "WriteBackServiceStarted"), prs(31016, "WriteBackServiceStopped")},
		"writeback-service-stopped", []int{1}},
	{"32015 health report", ScopeService, []Evidence{prs(32015, "ReportServiceHealthError")}, "heartbeat-gap", nil},
	{"32004 decryption", ScopeService, []Evidence{prs(32004, "DecryptionError")}, "key-mismatch", nil},
	{"32010 crypto", ScopeService, []Evidence{prs(32010, "CryptoError")}, "key-mismatch", nil},
	{"32005 configuration", ScopeService, []Evidence{prs(32005, "ConfigurationError")}, "config-file", nil},
	{"32007 onboarding config", ScopeService, []Evidence{prs(32007, "OnBoardingConfigUpdateError")}, "config-file", nil},
	{"32000 unknown", ScopeService, []Evidence{prs(32000, "UnknownError: System.NullReferenceException")}, "service-unknown", nil},
	{"32008 validation", ScopeService, []Evidence{prs(32008, "ValidationError")}, "service-unknown", nil},
	{"healthy service", ScopeService, []Evidence{prs(31015, "WriteBackServiceStarted"), prs(31019, "ServiceBusHeartBeat")}, "", nil},
	{"attempt evidence is no service cause", ScopeService, []Evidence{prs(33002, "x")}, "", nil},
	{"service evidence is no attempt cause", ScopeAttempt, []Evidence{prs(32002, "Error Connecting to ServiceBus.")}, "", nil},
}

func TestDiagnose(t *testing.T) {
	c := New()
	for _, tc := range diagnoseCases {
		t.Run(tc.name, func(t *testing.T) {
			k, m, ok := c.Diagnose(tc.scope, tc.ev)
			if tc.want == "" {
				if ok {
					t.Fatalf("got %q (matched %v), want no cause", k.ID, m)
				}
				return
			}
			if !ok || k.ID != tc.want {
				t.Fatalf("got %q (ok=%v, matched %v), want %q", k.ID, ok, m, tc.want)
			}
			if k.Scope != tc.scope {
				t.Errorf("scope %q", k.Scope)
			}
			if len(m) == 0 || !slices.IsSorted(m) || m[0] < 0 || m[len(m)-1] >= len(tc.ev) {
				t.Errorf("matched %v", m)
			}
			if tc.matched != nil && !slices.Equal(m, tc.matched) {
				t.Errorf("matched %v, want %v", m, tc.matched)
			}
		})
	}
}

// TestEveryCauseDiagnosed checks that every cause is selected by at least
// one realistic case above.
func TestEveryCauseDiagnosed(t *testing.T) {
	covered := make(map[string]bool)
	for _, tc := range diagnoseCases {
		covered[tc.want] = true
	}
	for _, k := range New().Causes() {
		if !covered[k.ID] && !slices.Contains(stateCauses, k.ID) {
			t.Errorf("no Diagnose case selects %s", k.ID)
		}
	}
}

// TestSignaturesNotShadowed builds, for each signature, the least evidence
// that satisfies it and checks that it selects its own cause: no signature
// is hidden by a more specific cause.
func TestSignaturesNotShadowed(t *testing.T) {
	c := New()
	for _, k := range c.Causes() {
		for i, s := range k.Signatures {
			ev := synthesize(s)
			got, _, ok := c.Diagnose(k.Scope, ev)
			if !ok || got.ID != k.ID {
				t.Errorf("%s signature %d (%+v) selects %q", k.ID, i, s, got.ID)
			}
		}
	}
}

func synthesize(s Signature) []Evidence {
	e := Evidence{Source: s.Source, Text: strings.Join(s.Patterns, "\n")}
	if len(s.EventIDs) > 0 {
		e.EventID = s.EventIDs[0]
	}
	if len(s.HResults) > 0 {
		e.HResult = s.HResults[0]
	}
	out := []Evidence{e}
	for _, r := range s.Requires {
		out = append(out, synthesize(r)...)
	}
	return out
}

func TestScanHResults(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []uint32
	}{
		{"hr=80230405, message=x", []uint32{0x80230405}},
		{"HR=0x8023062C", []uint32{0x8023062C}},
		{"BAIL: MMS(4984): a.cpp(1): 0x800700b7 (Cannot create)", []uint32{0x800700B7}},
		{"Failed to acquire user information: 0x6ba", []uint32{0x800706BA}},
		{"value 'X', 0x2\n", []uint32{0x80070002}},
		{"0x0", nil},
		{"0x12345", nil},            // neither a Win32 code nor an HRESULT
		{"0x800704051", nil},        // nine digits
		{"User_0x80230405", nil},    // inside a word
		{"hr=8023040", nil},         // seven digits
		{"0x80230405Azure", nil},    // glued to a word
		{"MMS(9032) 2.5.79.0", nil}, // no prefix
		{"a 0x80230405 b hr=80230626", []uint32{0x80230405, 0x80230626}},
	} {
		got := scanHResults(tc.text)
		if !slices.Equal(got, tc.want) {
			t.Errorf("scanHResults(%q) = %s, want %s", tc.text, hexes(got), hexes(tc.want))
		}
	}
}

func hexes(v []uint32) string {
	s := make([]string, len(v))
	for i, h := range v {
		s[i] = fmt.Sprintf("%#x", h)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func BenchmarkDiagnose(b *testing.B) {
	c := New()
	ev := []Evidence{
		prs(31001, start31001),
		adsync(6329, seed000_6329),
		prs(33002, engine("80230405", "The operation failed because the object cannot be found")),
	}
	for b.Loop() {
		c.Diagnose(ScopeAttempt, ev)
	}
}
