package correlate

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	evtxinput "github.com/evtxscan/evtxscan/input"
	"github.com/evtxscan/evtxscan/internal/scenario"
	"github.com/evtxscan/evtxscan/internal/testenv"
	"github.com/evtxscan/evtxscan/parser"
)

// The differential tests: Extract (and ExtractInto reusing its arrays, and
// Prepare) give the Fields the reference (extract_ref_test.go, the
// implementation before its rewrite for speed) gives, for every record of
// the fixtures, of the public samples and of generated logs of both mixes,
// and for the texts of this package's tests with their published variants.

// An extractCase is the input of one extraction.
type extractCase struct {
	name     string
	provider string
	id       uint16
	data     []string
}

// diffTexts are the data strings of this package's tests (and their
// inline texts), each with the provider and id it belongs to.
func diffTexts() []extractCase {
	const (
		tid    = "62a5da50-8a6b-43a4-8418-82f88522ab34"
		anchor = "User_966e4393-d730-423c-a3c9-001a3699575f"
	)
	seedLines := []string{
		`ERR_: MMS(9032): ..\ObjectSearcher.cpp(461): AD Object is not present.`,
		`BAIL: MMS(9032): ..\ObjectSearcher.cpp(491): 0x80230405 (The operation failed because the object cannot be found): No password writeback targets found. Make sure that the source object exists and is connected to the target objects via MV and the target object is in scope of password sync rule. AAD anchor = ` + anchor + `Azure AD Sync 2.5.79.0`,
	}
	prs, ads, ds := sourcePasswordReset, sourceADSync, sourceDirSync
	return []extractCase{
		{"31001", prs, 31001, []string{text31001}},
		{"31002", prs, 31002, []string{text31002}},
		{"31009", prs, 31009, []string{text31009}},
		{"31010", prs, 31010, []string{text31010}},
		{"33004", prs, 33004, []string{text33004}},
		{"33002", prs, 33002, []string{text33002}},
		{"6329", ads, 6329, []string{text6329}},
		{"6329 RPC", ads, 6329, []string{text6329RPC}},
		{"656", ds, 656, []string{text656}},
		{"657 old", ds, 657, []string{text657Old}},
		{"657 new", ds, 657, []string{text657New}},
		{"31019", prs, 31019, []string{text31019}},
		{"start", prs, 31001, []string{startText(tidN(1), "u@x")}},
		{"success", prs, 31002, []string{successText(tidN(2), anchorN(2), "u@x")}},
		{"fail", prs, 33002, []string{failText(tidN(3), anchorN(3), "u@x", 0x80230619, "A restriction prevents the password from being changed, for example age, history or complexity.")}},
		{"seed000 fail", prs, 33002, []string{seed000Fail(tidN(4), anchorN(4), "v@x")}},
		{"seed000 set without anchor", ads, 6329, []string{seed000Set("")}},
		{"set", ads, 6329, []string{setText(0x80230626, "The password could not be updated because the management agent credentials were denied access.", anchorN(5))}},
		{"heartbeat", prs, 31019, []string{heartbeatText("ssprdedicatedsbprodneu")}},
		{"commas inside the message", prs, 33008, []string{"TrackingId: 5c8e9a70-1d2b-4c3d-8e4f-5a6b7c8d9e0f, Reason: Synchronization Engine returned an error hr=80230619, message=A restriction prevents the password from being changed, for example age, history or complexity., Context : cloudAnchor : User_22222222-3333-4444-5555-666666666666, SourceAnchorValue : AAAAAAAAAAAAAAAAAAAAAA==, UserPrincipalName : a@b.c, Details: x"}},
		{"6329 as two strings", ads, 6329, []string{"An unexpected error has occurred during a password set operation.", "ERR_: MMS(9032): ..\\ObjectSearcher.cpp(461): AD Object is not present.\nBAIL: MMS(9032): ..\\ObjectSearcher.cpp(491): 0x80230405 (The operation failed because the object cannot be found): No password writeback targets found. AAD anchor = " + anchor}},
		{"6329 bare version", ads, 6329, []string{"BAIL: MMS(1): x.cpp(2): 0x8023061f (The operation failed because password synchronization is not enabled on this Management Agent)", "1.6.4.0"}},
		{"6329 code outside a trace line", ads, 6329, []string{"An unexpected error has occurred during a password set operation. 0x8023061f (The operation failed because password synchronization is not enabled on this Management Agent)"}},
		{"US government relay", prs, 31019, []string{"Heartbeat: ssprdedicatedsbprodusgv.servicebus.usgovcloudapi.net"}},
		{"China relay", prs, 31034, []string{"The connection to the connect service was lost. Relay ssprdedicatedsbmcprodcne.servicebus.chinacloudapi.cn: The remote certificate is invalid according to the validation procedure."}},
		{"32002", prs, 32002, []string{"Error Connecting to ServiceBus. The token provider was unable to provide a security token."}},
		{"exception without tracking id", prs, 32000, []string{"System.ServiceModel.EndpointNotFoundException: There was no endpoint listening.\r\n   at X.Y()"}},
		{"no data", prs, 31001, nil},
		{"keys without colon", prs, 33002, []string{"TrackingId " + tid + ", Reason: Synchronization Engine returned an error hr=80230405, message=The operation failed because the object cannot be found, Context: cloudAnchor " + anchor + ", SourceAnchorValue AMFLaZcQeEerjEZiNFC+BA==, UserPrincipalName User-1@Tailspintoys.ca, unblockUser True"}},
		{"wrapped header", prs, 33004, []string{"TrackingId: " + tid + ", Reason: Synchronization Engine returned an error hr=80230626, message=The password could not be updated because the management\r\n agent credentials were denied access., Context: cloudAnchor:\r\n" + anchor + ", UserPrincipalName: ethan@contoso.co.uk, Details: x"}},
		{"typographic quotes", ads, 6329, []string{"An unexpected error has occurred during a password set operation.\r\n\u201c" + seedLines[0] + "\r\n" + seedLines[1] + "\u201d"}},
		{"one line", ads, 6329, []string{"An unexpected error has occurred during a password set operation. \"" + seedLines[0] + " " + seedLines[1] + "\""}},
		{"insertion strings", ads, 6329, []string{"An unexpected error has occurred during a password set operation.", "\"" + seedLines[0], seedLines[1] + "\""}},
		{"fuzz seeds", ads, 6329, []string{"BAIL: MMS(1) 0x8", "AAD anchor = User_", "Dn : ,", "0x80230405 ("}},
		{"cut trace", ads, 6329, []string{"ERR_: MMS(9032): a.cpp(1", "1.2.3"}},
		{"remote SAM", ads, 6329, []string{"ERR_: MMS(4120): admaexport.cpp(2944): Failed to acquire user information: Contoso\\MSOL_0123456789ab. Error Code: ERROR_ACCESS_DENIED\r\nBAIL: MMS(4120): admaexport.cpp(2963): 0x80070005 (Access is denied.)"}},
		{"keys many times", prs, 33002, []string{strings.Repeat("TrackingId x, Context: y, Reason  z, hr = 1, message = m, Context : ", 6) + "cloudAnchor, CLOUDANCHOR: a, cloudAnchor b, cloudanchor c, cloudAnchor:d, cloudAnchor: e, Details: f, Details g, details h, DETAILS i, Details j, DeTaIlS: k"}},
		{"dirsync keys many times", ds, 657, []string{strings.Repeat("Anchor : a, Dn : CN=x\\, y,OU=z, Anchor: , Dn:, Result : Success.\r\n", 7)}},
		{"x first", ads, 6329, []string{"x0x8023061f (a) 0x80230405 (b)"}},
		{"0x8 at the start", ads, 6329, []string{"0x8023061f (a)"}},
		{"start, key words in the parts", prs, 31001, []string{"TrackingId: hr-Details-reason, Details, Details: Details@hr.Context.Exception"}},
		{"start, a key as the token", prs, 31001, []string{"TrackingId: " + tid + ", Reason, Details: u@x"}},
		{"start, upn with a colon", prs, 31001, []string{"TrackingId: " + tid + ", PasswordResetRequestStart, Details: u:hr=1@x"}},
		{"start, upn ending in Exception", prs, 31001, []string{"TrackingId: " + tid + ", PasswordResetRequestStart, Details: xException"}},
		{"start, empty upn", prs, 31001, []string{"TrackingId: " + tid + ", PasswordResetRequestStart, Details: "}},
		{"start, two blanks", prs, 31001, []string{"TrackingId:  " + tid + ", PasswordResetRequestStart, Details: u@x"}},
		{"start, cut", prs, 31001, []string{"TrackingId: " + tid + ", PasswordResetRequestStart, Detail"}},
		{"start, upn with an anchor", prs, 31001, []string{"TrackingId: " + tid + ", PasswordResetRequestStart, Details: User_" + tid + "_" + tid + "AAD.servicebus.windows.net"}},
		{"PHS 611", ds, 611, []string{"Password hash synchronization failed for domain: contoso.local, domain controller hostname: DC01, domain controller IP address: 10.0.0.4. Details: Microsoft.Online.PasswordSynchronization.SynchronizationManagerException: Unable to open connection to domain: contoso.local. Error: RPC Error 1722 : The RPC server is unavailable. Error creating the RPC binding handle\r\n   at Microsoft.Online.PasswordSynchronization.DRSConnection.OpenConnection()"}},
	}
}

// variants returns data in the spellings seen in the field and a few that
// cut or bend it: LF or CRLF line ends, keys in other cases, with the colon
// missing, glued or spaced, tabs for blanks, typographic quotes, headers
// wrapped at commas or at every 37th byte, the text split into several
// data strings, and cut short.
func variants(data []string) [][]string {
	out := [][]string{data}
	all := func(f func(string) string) {
		d := make([]string, len(data))
		for i, s := range data {
			d[i] = f(s)
		}
		out = append(out, d)
	}
	rep := func(pairs ...string) { all(strings.NewReplacer(pairs...).Replace) }
	rep("\r\n", "\n")
	rep("\r\n", "\r\n", "\n", "\r\n")
	all(strings.ToLower)
	all(strings.ToUpper)
	rep(": ", " ")
	rep(": ", ":")
	rep(": ", " : ")
	rep("=", " = ")
	rep(" ", "\t")
	rep(`"`, "\u201c")
	rep(`"`, "\u201d", "\r\n", "\u201d\r\n\u201c")
	rep(", ", ",\r\n ")
	rep(", ", ",\n\t")
	all(func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i += 37 {
			b.WriteString(s[i:min(i+37, len(s))])
			b.WriteString("\r\n")
		}
		return b.String()
	})
	rep("TrackingId", "TrackingID", "cloudAnchor", "CloudAnchor", "Details", "details")
	rep("hr=", "HR=", "message=", "Message=")
	joined := strings.Join(data, "\n")
	out = append(out, strings.Split(joined, "\n"), strings.Split(joined, ", "), strings.Split(joined, " "))
	if len(joined) > 1 {
		out = append(out, []string{joined[:len(joined)/2], joined[len(joined)/2:]})
	}
	for _, n := range []int{1, 5, 12, 30, 60, 100, 200, 400} {
		if n < len(joined) {
			out = append(out, []string{joined[:n]}, []string{joined[len(joined)-n:]})
		}
	}
	return out
}

// textCases is diffTexts with their variants, each under its own provider
// and id and under ADSync 6329 (where the provider matters).
func textCases() []extractCase {
	var cs []extractCase
	for _, c := range diffTexts() {
		for i, d := range variants(c.data) {
			name := fmt.Sprintf("%s/%d", c.name, i)
			cs = append(cs, extractCase{name, c.provider, c.id, d})
			if c.id != 6329 {
				cs = append(cs, extractCase{name + "/as 6329", "adsync", 6329, d})
			}
		}
	}
	return cs
}

// readCases returns the records of the EVTX files and zips in paths as
// cases (damage is read past; an input that is not EVTX gives none).
func readCases(tb testing.TB, paths ...string) []extractCase {
	tb.Helper()
	var cs []extractCase
	w := evtxinput.NewWalker(evtxinput.DefaultLimits())
	_, err := w.Walk(context.Background(), paths, func(it evtxinput.Item, r io.Reader) error {
		pr := parser.NewReader(r)
		pr.Path, pr.Workers = it.Path, 1
		defer pr.Close()
		for {
			ev, err := pr.Read()
			if err != nil {
				return nil // io.EOF, or not EVTX: the records read so far
			}
			cs = append(cs, extractCase{fmt.Sprintf("%s#%d", it.Path, ev.RecordID), ev.Provider, ev.EventID, ev.Data})
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
	return cs
}

// mixCases returns the records of a generated log of the mix (as genlog
// writes it, -seed seed, smaller).
func mixCases(tb testing.TB, mix string, size int64, seed uint64) []extractCase {
	tb.Helper()
	return readCases(tb, genLog(tb, mix, size, seed))
}

// genLog writes a log of the mix as genlog does (-writeback 0.02), of
// about size bytes, and returns its path.
func genLog(tb testing.TB, mix string, size int64, seed uint64) string {
	tb.Helper()
	opts := scenario.LogOptions{Size: size, Seed: seed, Writeback: 0.02, Mix: scenario.EntraMix()}
	if mix == "member" {
		opts.Mix = scenario.MemberMix()
	}
	path := filepath.Join(tb.TempDir(), mix+".evtx")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	_, err = scenario.GenerateLog(context.Background(), f, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// scanCases returns the records of a generated log of the mix (8 MiB,
// seed 1) that Prepare extracts when the log is read as scan reads it
// (NeedsData, SamplesData).
func scanCases(tb testing.TB, mix string) []extractCase {
	tb.Helper()
	path := genLog(tb, mix, 8<<20, 1)
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	pr := parser.NewReader(f)
	pr.Workers, pr.NeedData, pr.SampleData = 1, NeedsData, SamplesData
	var cs []extractCase
	for {
		ev, err := pr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if Prepare(ev) != nil {
			cs = append(cs, extractCase{"", ev.Provider, ev.EventID, ev.Data})
		}
	}
	if len(cs) == 0 {
		tb.Fatal("no records to extract")
	}
	return cs
}

// checkSame compares Extract, ExtractInto (reusing got's and want's arrays)
// and Prepare with the reference on c and reports whether they agree.
func checkSame(t *testing.T, c extractCase, got, want *Fields) bool {
	t.Helper()
	ref := refExtract(c.provider, c.id, c.data)
	ok := true
	report := func(how string, g Fields) {
		if !reflect.DeepEqual(g, ref) {
			t.Errorf("%s: %s differs from the reference on %s %d %q", c.name, how, c.provider, c.id, c.data)
			diffFields(t, g, ref)
			ok = false
		}
	}
	report("Extract", Extract(c.provider, c.id, c.data))
	refExtractInto(want, c.provider, c.id, c.data)
	ExtractInto(got, c.provider, c.id, c.data)
	if !reflect.DeepEqual(*got, *want) {
		t.Errorf("%s: ExtractInto reusing its arrays differs from the reference on %s %d %q", c.name, c.provider, c.id, c.data)
		diffFields(t, *got, *want)
		ok = false
	}
	ev := &parser.Event{Provider: c.provider, EventID: c.id, Data: c.data}
	if p, isFields := Prepare(ev).(*Fields); isFields {
		report("Prepare", *p)
	}
	return ok
}

func TestExtractMatchesReference(t *testing.T) {
	fixtures, err := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cases func(t *testing.T) []extractCase
		min   int // at least this many cases, lest the corpus silently vanish
	}{
		{"texts", func(*testing.T) []extractCase { return textCases() }, 1000},
		{"fixtures", func(t *testing.T) []extractCase { return readCases(t, fixtures...) }, 1000},
		{"samples", func(t *testing.T) []extractCase {
			return readCases(t, testenv.SharedGlob(t, "evtx-samples/*/*.evtx")...)
		}, 1000},
		{"entra mix", func(t *testing.T) []extractCase { return mixCases(t, "entra", 4<<20, 1) }, 10000},
		{"member mix", func(t *testing.T) []extractCase { return mixCases(t, "member", 4<<20, 2) }, 10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := tt.cases(t)
			if len(cs) < tt.min {
				t.Fatalf("%d cases, want at least %d", len(cs), tt.min)
			}
			t.Logf("%d cases", len(cs))
			var got, want Fields
			bad := 0
			for _, c := range cs {
				if !checkSame(t, c, &got, &want) {
					if bad++; bad == 5 {
						t.Fatalf("stopped after %d differences", bad)
					}
				}
			}
		})
	}
}

// fuzzProviders are the providers FuzzExtractMatchesReference picks from
// (by its provider byte), besides the fuzzed name itself.
var fuzzProviders = [...]string{sourcePasswordReset, sourceADSync, sourceDirSync, "adsync", "Other"}

// FuzzExtractMatchesReference checks that Extract gives the reference's
// Fields for up to three data strings under any provider and event id.
func FuzzExtractMatchesReference(f *testing.F) {
	seed := func(c extractCase) {
		var d [3]string
		copy(d[:], c.data)
		n := uint8(min(len(c.data), 3))
		if len(c.data) > 3 {
			d[2] = strings.Join(c.data[2:], "\n")
		}
		p := uint8(len(fuzzProviders))
		for i, name := range fuzzProviders {
			if name == c.provider {
				p = uint8(i)
			}
		}
		f.Add(d[0], d[1], d[2], n, p, c.provider, c.id)
	}
	for _, c := range diffTexts() {
		seed(c)
	}
	// One record of each provider and id of the fixtures (the samples are
	// read when they are there; the fuzzer never skips for them).
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*"))
	if testenv.HasShared("evtx-samples") {
		more, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(f), "..", "shared", "evtx-samples", "*", "*.evtx"))
		paths = append(paths, more...)
	}
	type key struct {
		provider string
		id       uint16
	}
	seen := map[key]bool{}
	for _, c := range readCases(f, paths...) {
		if k := (key{c.provider, c.id}); !seen[k] && len(c.data) > 0 {
			seen[k] = true
			seed(c)
		}
	}
	f.Fuzz(func(t *testing.T, a, b, c string, n, p uint8, provider string, id uint16) {
		data := []string{a, b, c}[:n%4]
		if n%4 == 0 {
			data = nil
		}
		if int(p) < len(fuzzProviders) {
			provider = fuzzProviders[p]
		}
		var got, want Fields
		checkSame(t, extractCase{"fuzz", provider, id, data}, &got, &want)
		// Again into arrays filled by another extraction.
		checkSame(t, extractCase{"fuzz again", provider, id, data}, &got, &want)
	})
}

// byteClass gives each byte the classes of its definition.
func TestByteClass(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		word := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
		hex := b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' || b >= '0' && b <= '9'
		host := word || b == '.' || b == '-'
		if isWordByte(b) != word || isHexByte(b) != hex || isHostByte(b) != host {
			t.Errorf("byte %#x: word %v hex %v host %v, want %v %v %v", c, isWordByte(b), isHexByte(b), isHostByte(b), word, hex, host)
		}
	}
}

// headKeys.scan records the whole-word occurrences a byte-by-byte search
// finds, for every text and variant of the tests and every offset into
// them (so that runs cross the 64-byte blocks of its mask at every place).
func TestHeadKeysScan(t *testing.T) {
	naive := func(h string) headKeys {
		x := headKeys{h: h}
		for b := 0; b < len(h); b++ {
			if !isWordByte(h[b]) || (b > 0 && isWordByte(h[b-1])) {
				continue
			}
			e := b
			for e < len(h) && isWordByte(h[e]) {
				e++
			}
			for k := 0; k < numHeadKeys; k++ {
				if strings.EqualFold(h[b:e], headKeyName(k)) {
					if x.n[k] < maxKeyHits {
						x.hits[k][x.n[k]] = int32(b)
					}
					if x.n[k] <= maxKeyHits {
						x.n[k]++
					}
				}
			}
		}
		return x
	}
	seen := map[string]bool{}
	for _, c := range textCases() {
		h := strings.Join(c.data, "\n")
		if seen[h] {
			continue
		}
		seen[h] = true
		for i := 0; i < len(h) && i < 130; i++ {
			var got headKeys
			got.scan(h[i:])
			if want := naive(h[i:]); got != want {
				t.Fatalf("%s at %d: scan %+v, want %+v", c.name, i, got, want)
			}
		}
	}
}

// TestStartShapeMatchesReference compares Extract with the reference on
// texts of the start header's shape (see startHeader) and near it, built
// from parts that hold keys, separators and the patterns the other
// searches look for.
func TestStartShapeMatchesReference(t *testing.T) {
	tids := []string{"62a5da50-8a6b-43a4-8418-82f88522ab34", "x", "hr", "TrackingId", "Details-reason", "0x80230405", "", " x", "a_b", "a:b"}
	tokens := []string{"PasswordResetRequestStart", "Reason", "Details", "hr", "Context", "UserPrincipalName", "unblockUser", "FooException", "", "A B", "Start1"}
	upns := []string{"open.user1@contoso.com", "u@x", "", "hr", "hr=1", "Exception", "a.FooException", "x0x80230405", "0x8023061f", "User_62a5da50-8a6b-43a4-8418-82f88522ab34_62a5da50-8a6b-43a4-8418-82f88522ab34",
		"ns.servicebus.windows.net", "AAD", "Anchor", "Dn", "u+tag@x-y.z", "u@x ", "u,v", "u\"", "u\u201c", "u\u00a0", "MMS(1)", "Details", "TrackingId"}
	var got, want Fields
	n := 0
	for _, tid := range tids {
		for _, tok := range tokens {
			for _, upn := range upns {
				for _, form := range []string{"TrackingId: %s, %s, Details: %s", "TrackingId: %s, %s, Details: %s\r\n   at X()", "trackingid: %s, %s, details: %s", "TrackingId: %s,%s, Details:%s"} {
					text := fmt.Sprintf(form, tid, tok, upn)
					for _, data := range [][]string{{text}, {text, "2.5.79.0"}} {
						n++
						if !checkSame(t, extractCase{"start shape", sourcePasswordReset, 31001, data}, &got, &want) {
							t.FailNow()
						}
					}
				}
			}
		}
	}
	t.Logf("%d cases", n)
}
