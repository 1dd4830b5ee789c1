package pseudonym

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// The token is the documented formula: kind, ":", 16 bytes of the HMAC of
// kind + ":" + normalized value, in hex.
func TestTokenFormula(t *testing.T) {
	p := New(testKey)
	for _, tc := range []struct{ kind, value, normalized string }{
		{KindUPN, "Alice@Contoso.COM", "alice@contoso.com"},
		{KindCloudAnchor, "User_0A1B2C3D-0000-4000-8000-00000000ABCD", "user_0a1b2c3d-0000-4000-8000-00000000abcd"},
		{KindSourceAnchor, " AbCd+/Ef== ", "AbCd+/Ef=="},
		{KindSID, "s-1-5-21-1-2-3-1001", "S-1-5-21-1-2-3-1001"},
		{KindComputer, "AADC01.Contoso.local", "aadc01.contoso.local"},
		{KindDN, "CN=Alice Smith, OU=Users ,DC=Contoso,DC = local", "cn=alice smith,ou=users,dc=contoso,dc=local"},
		{KindDN, `CN=Smith\, Alice,OU=Users`, `cn=smith\, alice,ou=users`},
		{"other", " Keep Case ", "Keep Case"},
	} {
		if got := Normalize(tc.kind, tc.value); got != tc.normalized {
			t.Errorf("Normalize(%q, %q) = %q, want %q", tc.kind, tc.value, got, tc.normalized)
		}
		m := hmac.New(sha256.New, testKey)
		m.Write([]byte(tc.kind + ":" + tc.normalized))
		want := tc.kind + ":" + hex.EncodeToString(m.Sum(nil)[:16])
		if got := p.Token(tc.kind, tc.value); got != want {
			t.Errorf("Token(%q, %q) = %q, want %q", tc.kind, tc.value, got, want)
		}
	}
}

func TestTokenProperties(t *testing.T) {
	p := New(testKey)
	q := New([]byte("another key, also long enough"))
	tok := p.Token(KindUPN, "alice@contoso.com")
	if !regexp.MustCompile(`^upn:[0-9a-f]{32}$`).MatchString(tok) {
		t.Errorf("token %q has the wrong shape", tok)
	}
	for _, tc := range []struct {
		name string
		a, b string
		same bool
	}{
		{"same value, same key", tok, New(testKey).Token(KindUPN, "alice@contoso.com"), true},
		{"case of a UPN", tok, p.Token(KindUPN, "ALICE@contoso.com"), true},
		{"other value", tok, p.Token(KindUPN, "bob@contoso.com"), false},
		{"other key", tok, q.Token(KindUPN, "alice@contoso.com"), false},
		{"other kind", p.Token(KindComputer, "x1"), p.Token(KindSourceAnchor, "x1"), false},
		{"case of a source anchor", p.Token(KindSourceAnchor, "AbC="), p.Token(KindSourceAnchor, "abc="), false},
	} {
		if (tc.a == tc.b) != tc.same {
			t.Errorf("%s: %q vs %q, want same=%v", tc.name, tc.a, tc.b, tc.same)
		}
	}
	if got := p.Token(KindUPN, "  "); got != "" {
		t.Errorf("token of a blank value = %q, want empty", got)
	}
	if p.Fingerprint() == q.Fingerprint() || len(p.Fingerprint()) != 16 {
		t.Errorf("fingerprints %q, %q", p.Fingerprint(), q.Fingerprint())
	}
	if CheckKey([]byte("short")) || !CheckKey(testKey) {
		t.Error("CheckKey")
	}
}

// expand replaces {kind|value} in a template with the token of value.
func expand(p *Pseudonymizer, s string) string {
	re := regexp.MustCompile(`\{([a-z]+)\|([^}]*)\}`)
	return re.ReplaceAllStringFunc(s, func(m string) string {
		sub := re.FindStringSubmatch(m)
		return p.Token(sub[1], sub[2])
	})
}

func TestReplace(t *testing.T) {
	p := New(testKey)
	const guid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	for _, tc := range []struct {
		name  string
		in    string
		known []Value
		want  string
	}{
		{"nothing", "Synchronization Engine returned an error hr=80230405, message=The password does not meet policy", nil,
			"Synchronization Engine returned an error hr=80230405, message=The password does not meet policy"},
		{"start event", "TrackingId: 5d2c, PasswordResetRequestStart, Details: Alice.Smith@Contoso.com", nil,
			"TrackingId: 5d2c, PasswordResetRequestStart, Details: {upn|alice.smith@contoso.com}"},
		{"upn at the end of a sentence", "user bob@fabrikam.co.uk.", nil, "user {upn|bob@fabrikam.co.uk}."},
		{"not an address", "a@b, x@host, y@10.0.0.1", nil, "a@b, x@host, y@10.0.0.1"},
		{"cloud anchor", "Context: cloudAnchor: User_" + guid + ", SourceAnchorValue: AbCdEf12+/==, UserPrincipalName: a@c.org",
			[]Value{{KindSourceAnchor, "AbCdEf12+/=="}},
			"Context: cloudAnchor: {cloudanchor|User_" + guid + "}, SourceAnchorValue: {sourceanchor|AbCdEf12+/==}, UserPrincipalName: {upn|a@c.org}"},
		{"anchor without space", "cloudAnchor:User_" + strings.ToUpper(guid) + ",", nil, "cloudAnchor:{cloudanchor|user_" + guid + "},"},
		{"not an anchor", "User_abc and MyUser_" + guid, nil, "User_abc and MyUser_" + guid},
		{"anchor run into the next word", "AAD anchor = User_" + guid + "Azure AD Sync 2.5.79.0", nil, "AAD anchor = {cloudanchor|User_" + guid + "}Azure AD Sync 2.5.79.0"},
		{"sid", "account S-1-5-21-3623811015-3361044348-30300820-1013 denied; S-1-5 alone", nil,
			"account {sid|S-1-5-21-3623811015-3361044348-30300820-1013} denied; S-1-5 alone"},
		{"dirsync DN", "Password Change Result - Anchor : AbC=, Dn : CN=Alice Smith,OU=Sales Users,DC=contoso,DC=local, PwdChangeOnLogon=False, Result : Success.",
			[]Value{{KindSourceAnchor, "AbC="}},
			"Password Change Result - Anchor : {sourceanchor|AbC=}, Dn : {dn|CN=Alice Smith,OU=Sales Users,DC=contoso,DC=local}, PwdChangeOnLogon=False, Result : Success."},
		{"DN at end of sentence", "object cn=bob,dc=contoso,dc=com. Done", nil, "object {dn|cn=bob,dc=contoso,dc=com}. Done"},
		{"DN with escaped comma and spaces", `"CN=Smith\, Alice, OU=Users, DC=x"`, nil, `"{dn|CN=Smith\, Alice,OU=Users,DC=x}"`},
		{"one component is not a DN", "CN=Alice only; hr=0x80230405", nil, "CN=Alice only; hr=0x80230405"},
		{"computer, case and word bounds", "host AADC01 and aadc01.contoso.local, not AADC012",
			[]Value{{KindComputer, "AADC01.contoso.local"}, {KindComputer, "AADC01"}},
			"host {computer|aadc01} and {computer|aadc01.contoso.local}, not AADC012"},
		{"overlap: longer wins", "UPN alice@contoso.com",
			[]Value{{KindComputer, "contoso"}},
			"UPN {upn|alice@contoso.com}"},
		{"blank known value", "text", []Value{{KindUPN, " "}}, "text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := p.Replace(tc.in, tc.known...)
			if want := expand(p, tc.want); got != want {
				t.Errorf("Replace(%q)\n got %q\nwant %q", tc.in, got, want)
			}
		})
	}
}

// The replacement is stable: a value gets the same token in a text as in a
// column, and replacing twice changes nothing more.
func TestReplaceIdempotent(t *testing.T) {
	p := New(testKey)
	in := "Details: alice@contoso.com, Dn: CN=A,DC=b, User_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d, S-1-5-21-1-2"
	once := p.Replace(in)
	if twice := p.Replace(once); twice != once {
		t.Errorf("second pass changed the text:\n%q\n%q", once, twice)
	}
	if !strings.Contains(once, p.Token(KindUPN, "Alice@contoso.com")) {
		t.Errorf("UPN token missing from %q", once)
	}
}

func TestConcurrent(t *testing.T) {
	p := New(testKey)
	want := p.Token(KindUPN, "a@b.cd")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if got := p.Token(KindUPN, "a@b.cd"); got != want {
					t.Errorf("token %q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkReplace(b *testing.B) {
	p := New(testKey)
	s := "TrackingId: 5d2c, Reason: Synchronization Engine returned an error hr=80230405, message=..., Context: cloudAnchor: User_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d, SourceAnchorValue: AbCd==, UserPrincipalName: alice@contoso.com, Details: at X.Y()"
	b.SetBytes(int64(len(s)))
	for i := 0; i < b.N; i++ {
		p.Replace(s, Value{KindSourceAnchor, "AbCd=="})
	}
}
