package catalog

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/evtxscan/evtxscan/internal/golden"
)

// wantCauses is the list of cause ids that issue 4 asks for.
var wantCauses = map[Scope][]string{
	ScopeAttempt: {"sync-rule-password-sync-missing", "user-not-found", "multiple-matches",
		"ad-permissions", "protected-account", "restrict-remote-sam", "password-policy",
		"ldap-policy-hints-missing", "password-sync-not-enabled-on-ma", "adma-password-too-long",
		"dc-unreachable", "ldaps-required", "dn-reserved-characters", "account-disabled",
		"account-locked", "wrong-current-password", "ad-configuration", "ad-unknown",
		"attempt-incomplete"},
	ScopeService: {"servicebus-unreachable", "tls-root-ca", "servicebus-unstable", "auth-token",
		"onboarding-failed", "offboarding-failed", "endpoint-not-started",
		"writeback-service-stopped", "heartbeat-gap", "key-mismatch", "config-file",
		"service-unknown", "writeback-down", "clock-skew", "heartbeat-silent-end"},
}

// stateCauses are named by the correlator from the state of the log, not by
// a signature.
var stateCauses = []string{"heartbeat-silent-end"}

func validRole(r Role) bool {
	switch r {
	case RoleAttemptStart, RoleAttemptSuccess, RoleAttemptFailure, RoleServiceLifecycle,
		RoleHeartbeat, RoleOnboarding, RoleOffboarding, RoleError, RoleInfo:
		return true
	}
	return false
}

func TestCauseIDs(t *testing.T) {
	c := New()
	got := make(map[Scope][]string)
	for _, k := range c.Causes() {
		got[k.Scope] = append(got[k.Scope], k.ID)
	}
	for scope, want := range wantCauses {
		g := slices.Clone(got[scope])
		w := slices.Clone(want)
		sort.Strings(g)
		sort.Strings(w)
		if !slices.Equal(g, w) {
			t.Errorf("scope %s:\n got %v\nwant %v", scope, g, w)
		}
	}
	if len(got) != len(wantCauses) {
		t.Errorf("causes of unexpected scopes: %v", got)
	}
}

func TestEventsWellFormed(t *testing.T) {
	c := New()
	seen := make(map[string]bool)
	for _, e := range c.Events() {
		key := e.Source + "/" + strconv.Itoa(e.ID) + "/" + e.Variant
		if seen[key] {
			t.Errorf("%s: duplicate", key)
		}
		seen[key] = true
		switch e.Source {
		case SourcePasswordReset, SourceADSync, SourceDirSync:
		default:
			t.Errorf("%s: unknown source", key)
		}
		if e.Name == "" || e.Section == "" || strings.TrimSpace(e.Description) == "" {
			t.Errorf("%s: empty name, section or description", key)
		}
		if e.Token != "" && e.Token == e.Name {
			t.Errorf("%s: Token repeats Name", key)
		}
		if !validRole(e.Role) || e.Severity.Rank() == 0 {
			t.Errorf("%s: role %q severity %q", key, e.Role, e.Severity)
		}
		if len(e.Remediation) == 0 || slices.Contains(e.Remediation, "") {
			t.Errorf("%s: remediation %q", key, e.Remediation)
		}
		for _, id := range e.Causes {
			if _, ok := c.Cause(id); !ok {
				t.Errorf("%s: unknown cause %q", key, id)
			}
		}
		attempt := e.Role == RoleAttemptStart || e.Role == RoleAttemptSuccess
		if attempt && e.Operation == "" {
			t.Errorf("%s: attempt event without operation", key)
		}
		switch e.Operation {
		case "", OperationReset, OperationChange, OperationAdminReset:
		default:
			t.Errorf("%s: operation %q", key, e.Operation)
		}
	}
	// The tokens that tell attempt events apart, from seed 004 and event-formats.md.
	for _, tc := range []struct {
		id    int
		token string
		role  Role
		op    string
	}{
		{31001, "PasswordResetRequestStart", RoleAttemptStart, OperationReset},
		{31002, "PasswordResetSuccess", RoleAttemptSuccess, OperationReset},
		{31003, "PasswordResetFail", RoleAttemptFailure, OperationReset},
		{31006, "ChangePasswordRequestStart", RoleAttemptStart, OperationChange},
		{31007, "ChangePasswordSuccess", RoleAttemptSuccess, OperationChange},
		{31008, "ChangePasswordFail", RoleAttemptFailure, OperationChange},
		{31009, "ResetUserPasswordByAdminStart", RoleAttemptStart, OperationAdminReset},
		{31010, "ResetUserPasswordByAdminSuccess", RoleAttemptSuccess, OperationAdminReset},
		{31011, "ResetUserPasswordByAdminFail", RoleAttemptFailure, OperationAdminReset},
		{31015, "WriteBackServiceStarted", RoleServiceLifecycle, ""},
		{31016, "WriteBackServiceStopped", RoleServiceLifecycle, ""},
		{31019, "ServiceBusHeartBeat", RoleHeartbeat, ""},
	} {
		e, ok := c.Event(SourcePasswordReset, tc.id)
		if !ok {
			t.Errorf("%d missing", tc.id)
			continue
		}
		token := e.Token
		if token == "" {
			token = e.Name
		}
		if token != tc.token || e.Role != tc.role || e.Operation != tc.op {
			t.Errorf("%d: token %q role %q op %q, want %q %q %q",
				tc.id, token, e.Role, e.Operation, tc.token, tc.role, tc.op)
		}
	}
}

func TestHResultsWellFormed(t *testing.T) {
	c := New()
	prev := uint32(0)
	for i, h := range c.HResults() {
		if i > 0 && h.Code <= prev {
			t.Errorf("%s not sorted after %s", FormatHResult(h.Code), FormatHResult(prev))
		}
		prev = h.Code
		if h.Meaning == "" || h.Causes == nil {
			t.Errorf("%s: empty meaning or nil causes", FormatHResult(h.Code))
		}
		for _, id := range h.Causes {
			if _, ok := c.Cause(id); !ok {
				t.Errorf("%s: unknown cause %q", FormatHResult(h.Code), id)
			}
		}
	}
}

func TestCausesWellFormed(t *testing.T) {
	c := New()
	idRe := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	causes := c.Causes()
	for i, k := range causes {
		if i > 0 {
			p := causes[i-1]
			if p.Specificity < k.Specificity || p.Specificity == k.Specificity && p.ID >= k.ID {
				t.Errorf("Causes not ordered: %s before %s", p.ID, k.ID)
			}
		}
		if !idRe.MatchString(k.ID) || k.Title == "" || k.Explanation == "" || k.Severity.Rank() == 0 {
			t.Errorf("%s: bad id, title, explanation or severity", k.ID)
		}
		if len(k.Remediation) == 0 || slices.Contains(k.Remediation, "") {
			t.Errorf("%s: remediation %q", k.ID, k.Remediation)
		}
		if len(k.Signatures) == 0 && !slices.Contains(stateCauses, k.ID) {
			t.Errorf("%s: no signature", k.ID)
		}
		var walk func(s []Signature)
		walk = func(s []Signature) {
			for _, g := range s {
				if g.Source == "" && len(g.EventIDs) == 0 && len(g.HResults) == 0 && len(g.Patterns) == 0 {
					t.Errorf("%s: signature without constraint", k.ID)
				}
				for _, h := range g.HResults {
					if _, ok := c.HResult(h); !ok {
						t.Errorf("%s: signature HRESULT %s not in the table", k.ID, FormatHResult(h))
					}
				}
				for _, id := range g.EventIDs {
					src := g.Source
					if src == "" {
						continue
					}
					if _, ok := c.Event(src, id); !ok {
						t.Errorf("%s: signature event %s %d not in the table", k.ID, src, id)
					}
				}
				walk(g.Requires)
			}
		}
		walk(k.Signatures)
	}
	// Order of specificity the issue requires.
	for _, p := range [][2]string{
		{"restrict-remote-sam", "ad-permissions"},
		{"protected-account", "ad-permissions"},
		{"sync-rule-password-sync-missing", "user-not-found"},
		{"user-not-found", "ad-unknown"},
		{"ad-unknown", "attempt-incomplete"},
		{"tls-root-ca", "servicebus-unstable"},
		{"heartbeat-gap", "service-unknown"},
	} {
		a, _ := c.Cause(p[0])
		b, _ := c.Cause(p[1])
		if a.Specificity <= b.Specificity {
			t.Errorf("%s (%d) must be more specific than %s (%d)", a.ID, a.Specificity, b.ID, b.Specificity)
		}
	}
	for _, id := range []string{"ad-unknown", "attempt-incomplete", "service-unknown"} {
		k, _ := c.Cause(id)
		for _, o := range causes {
			if o.Scope == k.Scope && o.ID != id && o.Specificity <= k.Specificity &&
				!(id == "ad-unknown" && o.ID == "attempt-incomplete") {
				t.Errorf("fallback %s (%d) is not below %s (%d)", id, k.Specificity, o.ID, o.Specificity)
			}
		}
	}
}

// TestEventCausesAgree checks that an event on its own selects one of the
// causes it lists.
func TestEventCausesAgree(t *testing.T) {
	c := New()
	for _, e := range c.Events() {
		if e.Variant != "" || len(e.Causes) == 0 || e.Source == SourceDirSync {
			continue
		}
		first, _ := c.Cause(e.Causes[0])
		k, _, ok := c.Diagnose(first.Scope, []Evidence{{Source: e.Source, EventID: e.ID}})
		if !ok || !slices.Contains(e.Causes, k.ID) {
			t.Errorf("%s %d alone selects %q (ok=%v), not one of %v", e.Source, e.ID, k.ID, ok, e.Causes)
		}
	}
}

func TestLookups(t *testing.T) {
	c := New()
	if _, ok := c.Event("adsync", 6329); !ok {
		t.Error("Event is case-sensitive on source")
	}
	e, _ := c.Event(SourceADSync, 6329)
	if e.Variant != "" {
		t.Errorf("Event(ADSync, 6329) = variant %q, want the general one", e.Variant)
	}
	vs := c.EventVariants(SourceADSync, 6329)
	if len(vs) < 6 || vs[0].Variant != "" {
		t.Errorf("6329 variants: %d, first %q", len(vs), vs[0].Variant)
	}
	if _, ok := c.Event(SourcePasswordReset, 6329); ok {
		t.Error("6329 found under PasswordResetService")
	}
	if c.EventVariants(SourcePasswordReset, 12345) != nil {
		t.Error("variants of an unknown event")
	}
	if _, ok := c.Cause("no-such-cause"); ok {
		t.Error("unknown cause found")
	}
	if h, ok := c.HResult(0x6ba); !ok || h.Code != 0x800706BA {
		t.Errorf("HResult(0x6ba) = %s, %v; want the HRESULT_FROM_WIN32 form", FormatHResult(h.Code), ok)
	}
	if _, ok := c.HResult(0x12345678); ok {
		t.Error("unknown HRESULT found")
	}
	evs := c.Events()
	if !sort.SliceIsSorted(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Variant < b.Variant
	}) {
		t.Error("Events not sorted by source, id, variant")
	}
}

// TestCopies checks that callers cannot change the catalog through what it
// returns.
func TestCopies(t *testing.T) {
	c := New()
	e := c.Events()[0]
	e.Remediation[0] = "changed"
	e2, _ := c.Event(SourceADSync, 6329)
	e2.Causes[0] = "changed"
	h := c.HResults()[0]
	h.Causes = append(h.Causes[:0], "changed")
	k, _ := c.Cause("restrict-remote-sam")
	k.Remediation[0] = "changed"
	k.Signatures[0].Patterns[0] = "changed"
	k.Signatures[2].Requires[0].EventIDs[0] = 0
	ks := c.Causes()
	ks[0].Signatures[0].EventIDs[0] = 0
	dk, _, _ := c.Diagnose(ScopeService, []Evidence{{Source: SourceADSync, EventID: 6800}})
	dk.Remediation[0] = "changed"

	if got := c.Events()[0].Remediation[0]; got == "changed" {
		t.Error("Events shares Remediation")
	}
	if got, _ := c.Event(SourceADSync, 6329); got.Causes[0] == "changed" {
		t.Error("Event shares Causes")
	}
	if got := c.HResults()[0]; len(got.Causes) > 0 && got.Causes[0] == "changed" {
		t.Error("HResults shares Causes")
	}
	k2, _ := c.Cause("restrict-remote-sam")
	if k2.Remediation[0] == "changed" || k2.Signatures[0].Patterns[0] == "changed" ||
		k2.Signatures[2].Requires[0].EventIDs[0] == 0 || c.Causes()[0].Signatures[0].EventIDs[0] == 0 {
		t.Error("Cause shares its slices")
	}
	if k3, _ := c.Cause("endpoint-not-started"); k3.Remediation[0] == "changed" {
		t.Error("Diagnose shares Remediation")
	}
}

func TestParseHResult(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"0x80230405", 0x80230405, true},
		{"80230405", 0x80230405, true},
		{"hr=80230405", 0x80230405, true},
		{"HR=0x80230405", 0x80230405, true},
		{"0X8023062C", 0x8023062C, true},
		{"8023062c", 0x8023062C, true},
		{" 0x6ba ", 0x6ba, true},
		{"6329", 0, false},
		{"8023042", 0, false},     // seven digits without prefix
		{"0x123456789", 0, false}, // nine digits
		{"0x", 0, false},
		{"hr=", 0, false},
		{"", 0, false},
		{"0x8023040g", 0, false},
		{"ERROR_ACCESS_DENIED", 0, false},
	} {
		got, ok := ParseHResult(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseHResult(%q) = %#x, %v; want %#x, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if s := FormatHResult(0x8023061f); s != "0x8023061F" {
		t.Errorf("FormatHResult = %q", s)
	}
}

func TestSeverityRank(t *testing.T) {
	order := []Severity{SeverityInfo, SeverityWarning, SeverityError, SeverityCritical}
	for i := 1; i < len(order); i++ {
		if order[i].Rank() <= order[i-1].Rank() {
			t.Errorf("%s.Rank() <= %s.Rank()", order[i], order[i-1])
		}
	}
	if Severity("bogus").Rank() != 0 || SeverityInfo.Rank() == 0 {
		t.Error("unknown severity must rank 0, known ones above")
	}
}

// TestJSONGolden pins the JSON document; run with -update after a
// deliberate change and review the diff of testdata/catalog.json.
func TestJSONGolden(t *testing.T) {
	got, err := json.MarshalIndent(New(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	again, _ := json.MarshalIndent(New(), "", "  ")
	if !bytes.Equal(got[:len(got)-1], again) {
		t.Fatal("two catalogs marshal differently")
	}
	golden.Check(t, filepath.Join("testdata", "catalog.json"), got)
	// The document decodes back into the API types.
	var doc struct {
		Schema   string    `json:"schema"`
		Events   []Event   `json:"events"`
		HResults []HResult `json:"hresults"`
		Causes   []Cause   `json:"causes"`
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	c := New()
	if doc.Schema != Schema || len(doc.Events) != len(c.Events()) ||
		len(doc.HResults) != len(c.HResults()) || len(doc.Causes) != len(c.Causes()) {
		t.Errorf("document: schema %q, %d events, %d hresults, %d causes",
			doc.Schema, len(doc.Events), len(doc.HResults), len(doc.Causes))
	}
	if !strings.Contains(string(got), `"hex": "0x80230405"`) {
		t.Error(`document lacks "hex": "0x80230405"`)
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		New()
	}
}

// TestConsequences checks the cause chains: every id named is a cause, no
// cause is its own consequence (however indirectly), and the chains of the
// documents are present.
func TestConsequences(t *testing.T) {
	c := New()
	var reach func(from, to string, depth int) bool
	reach = func(from, to string, depth int) bool {
		k, _ := c.Cause(from)
		for _, n := range k.Consequences {
			if n == to || (depth < 10 && reach(n, to, depth+1)) {
				return true
			}
		}
		return false
	}
	for _, k := range c.Causes() {
		for _, n := range k.Consequences {
			if _, ok := c.Cause(n); !ok {
				t.Errorf("%s: consequence %q is no cause", k.ID, n)
			}
		}
		if reach(k.ID, k.ID, 0) {
			t.Errorf("%s is a consequence of itself", k.ID)
		}
	}
	for _, chain := range [][2]string{
		{"auth-token", "onboarding-failed"},
		{"tls-root-ca", "servicebus-unstable"},
		{"tls-root-ca", "heartbeat-gap"},
		{"endpoint-not-started", "writeback-service-stopped"},
		{"clock-skew", "servicebus-unreachable"},
		{"clock-skew", "writeback-down"},
		{"servicebus-unreachable", "writeback-down"},
		{"writeback-down", "heartbeat-gap"},
	} {
		if !reach(chain[0], chain[1], 0) {
			t.Errorf("%s does not lead to %s", chain[0], chain[1])
		}
	}
}

func TestHResultBySymbol(t *testing.T) {
	c := New()
	for sym, code := range map[string]uint32{
		"ERROR_ACCESS_DENIED": 0x80070005, "error_file_not_found": 0x80070002,
		"SEC_E_TIME_SKEW": 0x80090324,
	} {
		h, ok := c.HResultBySymbol(sym)
		if !ok || h.Code != code || h.Source == "" {
			t.Errorf("%s: %+v %v", sym, h, ok)
		}
	}
	if _, ok := c.HResultBySymbol("ERROR_NOPE"); ok {
		t.Error("unknown symbol found")
	}
	for _, h := range c.HResults() {
		if h.Source == "" || strings.Contains(strings.ToLower(h.Source), "seed") {
			t.Errorf("%s: source %q", FormatHResult(h.Code), h.Source)
		}
	}
}
