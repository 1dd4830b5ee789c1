package correlate

import (
	"testing"

	"github.com/evtxscan/evtxscan/catalog"
)

// The correlator's own table of event parts must agree with the roles and
// operations of the catalog for every event the catalog knows.
func TestClassifyAgreesWithCatalog(t *testing.T) {
	roles := map[kind][]catalog.Role{
		kindOther:           {catalog.RoleInfo, catalog.RoleError},
		kindStart:           {catalog.RoleAttemptStart},
		kindSuccess:         {catalog.RoleAttemptSuccess},
		kindFailure:         {catalog.RoleAttemptFailure},
		kindPasswordSet:     {catalog.RoleError},
		kindNoise:           {catalog.RoleInfo},
		kindHashSync:        {catalog.RoleInfo},
		kindStarted:         {catalog.RoleServiceLifecycle},
		kindStopped:         {catalog.RoleServiceLifecycle},
		kindHeartbeat:       {catalog.RoleHeartbeat},
		kindOnboardStart:    {catalog.RoleOnboarding},
		kindOnboardSuccess:  {catalog.RoleOnboarding},
		kindOnboardStep:     {catalog.RoleOnboarding, catalog.RoleInfo},
		kindOffboardStart:   {catalog.RoleOffboarding},
		kindOffboardSuccess: {catalog.RoleOffboarding},
		kindOffboardFail:    {catalog.RoleOffboarding},
		kindServiceError:    {catalog.RoleError, catalog.RoleOnboarding, catalog.RoleOffboarding},
		kindNeighbour:       {catalog.RoleError},
	}
	n := 0
	for _, e := range catalog.New().Events() {
		k, op := classify(e.Source, uint16(e.ID))
		ok := false
		for _, r := range roles[k] {
			ok = ok || r == e.Role
		}
		if !ok {
			t.Errorf("%s %d: kind %d, catalog role %q", e.Source, e.ID, k, e.Role)
		}
		if e.Operation != "" && op != e.Operation {
			t.Errorf("%s %d: operation %q, catalog %q", e.Source, e.ID, op, e.Operation)
		}
		if k == kindServiceError && e.Role != catalog.RoleError {
			alone := false
			if e.Role == catalog.RoleOnboarding {
				alone, _ = onboardingError(e.ID)
			} else {
				alone, _ = offboardingError(e.ID)
			}
			if !alone {
				t.Errorf("%s %d: catalog role %q, but it opens no run of its own", e.Source, e.ID, e.Role)
			}
		}
		n++
	}
	if n < 50 {
		t.Errorf("only %d catalog events", n)
	}
	if k, _ := classify("Microsoft-Windows-Winlogon", 31001); k != kindUnrelated {
		t.Errorf("other provider: kind %d", k)
	}
	if k, op := classify("passwordresetservice", 31006); k != kindStart || op != OpChange {
		t.Errorf("provider case: kind %d op %q", k, op)
	}
}

func TestNeedsData(t *testing.T) {
	for _, tt := range []struct {
		provider string
		id       uint16
		need     bool
		sample   bool
	}{
		{"PasswordResetService", 31001, true, false},
		{"PasswordResetService", 33002, true, false},
		{"passwordresetservice", 32002, true, false},
		{"PasswordResetService", 31019, false, true},
		{"PasswordResetService", 31015, false, false},
		{"ADSync", 6329, true, false},
		{"ADSync", 405, false, false},
		{"Directory Synchronization", 657, false, false},
		{"Directory Synchronization", 611, true, false},
		{"ADSync", 6306, true, false},
		{"Microsoft-Windows-Security-SPP", 1003, false, false},
	} {
		if got := NeedsData(tt.provider, tt.id); got != tt.need {
			t.Errorf("NeedsData(%s, %d) = %v", tt.provider, tt.id, got)
		}
		if got := SamplesData(tt.provider, tt.id); got != tt.sample {
			t.Errorf("SamplesData(%s, %d) = %v", tt.provider, tt.id, got)
		}
	}
}
