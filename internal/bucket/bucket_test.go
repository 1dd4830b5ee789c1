package bucket

import "testing"

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"azblob://lake", "azblob://lake"},
		{"azblob://lake/prod", "azblob://lake?prefix=prod%2F"},
		{"azblob://lake/a/b/?domain=127.0.0.1:1&protocol=http", "azblob://lake?domain=127.0.0.1%3A1&prefix=a%2Fb%2F&protocol=http"},
		{"s3://bucket/x?region=eu-west-1", "s3://bucket?prefix=x%2F&region=eu-west-1"},
		{"file:///data/logs", "file:///data/logs"},
	} {
		if got, err := URL(tc.in); err != nil || got != tc.want {
			t.Errorf("URL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := URL("azblob://lake/p?prefix=q/"); err == nil {
		t.Error("a path and a prefix accepted")
	}
}

func TestRedact(t *testing.T) {
	if got := Redact("azblob://c/p?sig=secret"); got != "azblob://c/p" {
		t.Errorf("Redact = %q", got)
	}
}
