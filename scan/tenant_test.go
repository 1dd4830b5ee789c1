package scan_test

import (
	"testing"

	"github.com/evtxscan/evtxscan/scan"
)

// An argument's tenant is its base name without extension; a bucket URL's
// is its path's, the query left out.
func TestDefaultTenant(t *testing.T) {
	want := map[string]string{
		"cases/tenant-a-contoso.zip": "tenant-a-contoso",
		"Application.evtx":           "Application",
		"azblob://logs/cases/contoso?domain=127.0.0.1:10000&protocol=http": "contoso",
		"s3://bucket/fabrikam/":      "fabrikam",
		"file:///data/woodgrove.zip": "woodgrove",
	}
	for in, name := range want {
		if got := scan.DefaultTenant(in); got != name {
			t.Errorf("DefaultTenant(%q) = %q, want %q", in, got, name)
		}
	}
}
