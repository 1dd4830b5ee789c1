package correlate

import (
	"github.com/evtxscan/evtxscan/parser"
	"reflect"
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	const (
		seedTID    = "62a5da50-8a6b-43a4-8418-82f88522ab34"
		seedAnchor = "User_966e4393-d730-423c-a3c9-001a3699575f"
		prsExc     = "Microsoft.CredentialManagement.OnPremisesPasswordReset.Shared.PasswordResetException"
	)
	tests := []struct {
		name     string
		provider string
		id       uint16
		data     []string
		want     Fields // Text is filled in from data when empty
	}{
		{
			name: "31001 start", provider: sourcePasswordReset, id: 31001,
			data: []string{text31001},
			want: Fields{
				TrackingID: "e9654057-f2df-452c-8f69-132a882798d9",
				Status:     "PasswordResetRequestStart",
				UPN:        "amercer@davidbielascomcast.onmicrosoft.com",
			},
		},
		{
			name: "31002 success", provider: sourcePasswordReset, id: 31002,
			data: []string{text31002},
			want: Fields{
				TrackingID:   "e9654057-f2df-452c-8f69-132a882798d9",
				Status:       "PasswordResetSuccess",
				CloudAnchor:  "User_a5a99e6f-dc5b-4d63-8092-acdf79965131",
				SourceAnchor: "jYCmV0xpzky2gk+pHsGVng==",
				UPN:          "amercer@davidbielascomcast.onmicrosoft.com",
				UnblockUser:  FlagTrue,
			},
		},
		{
			name: "31009 admin start", provider: sourcePasswordReset, id: 31009,
			data: []string{text31009},
			want: Fields{
				TrackingID: "0b1e2c3d-4f50-4a6b-9c7d-8e9fa0b1c2d3",
				Status:     "ResetUserPasswordByAdminStart",
				UPN:        "jdoe@contoso.com",
			},
		},
		{
			name: "31010 admin success", provider: sourcePasswordReset, id: 31010,
			data: []string{text31010},
			want: Fields{
				TrackingID:          "0b1e2c3d-4f50-4a6b-9c7d-8e9fa0b1c2d3",
				Status:              "ResetUserPasswordByAdminSuccess",
				CloudAnchor:         "User_11111111-2222-3333-4444-555555555555",
				SourceAnchor:        "q83vEjRWeJCrze8SNFZ4kA==",
				UPN:                 "jdoe@contoso.com",
				AdminUPN:            "admin@contoso.com",
				ForcePasswordChange: FlagFalse,
			},
		},
		{
			name: "33004 from 2015", provider: sourcePasswordReset, id: 33004,
			data: []string{text33004},
			want: Fields{
				TrackingID:   "7344da2c-ab9d-42ef-adea-4a17d07fdeb9",
				Reason:       "Synchronization Engine returned an error hr=80230626, message=The password could not be updated because the management agent credentials were denied access.",
				CloudAnchor:  "User_9b83f544-ba22-4ffb-bff5-c1c2374d654c",
				SourceAnchor: "F39SWQrM2EidaboN8UC8Ww==",
				UPN:          "ethan@contoso.co.uk",
				HResult:      0x80230626,
				HRMessage:    "The password could not be updated because the management agent credentials were denied access.",
				Exception:    prsExc,
			},
		},
		{
			name: "33002 seed 000", provider: sourcePasswordReset, id: 33002,
			data: []string{text33002},
			want: Fields{
				TrackingID:   seedTID,
				Reason:       "Synchronization Engine returned an error hr=80230405, message=The operation failed because the object cannot be found",
				CloudAnchor:  seedAnchor,
				SourceAnchor: "AMFLaZcQeEerjEZiNFC+BA==",
				UPN:          "User-1@Tailspintoys.ca",
				UnblockUser:  FlagTrue,
				HResult:      0x80230405,
				HRMessage:    "The operation failed because the object cannot be found",
				Exception:    prsExc,
			},
		},
		{
			name: "33002 LF, no space after colons, redacted", provider: sourcePasswordReset, id: 33002,
			data: []string{crlfToLF(strings.NewReplacer(
				"Context: cloudAnchor: "+seedAnchor, "Context:cloudAnchor:xxx",
				"UserPrincipalName: User-1@Tailspintoys.ca", "UserPrincipalName:xxx",
				"TrackingId: ", "TrackingId:",
				"hr=80230405, message=", "hr = 80230405, message = ",
			).Replace(text33002))},
			want: Fields{
				TrackingID:   seedTID,
				Reason:       "Synchronization Engine returned an error hr = 80230405, message = The operation failed because the object cannot be found",
				CloudAnchor:  "xxx",
				SourceAnchor: "AMFLaZcQeEerjEZiNFC+BA==",
				UPN:          "xxx",
				UnblockUser:  FlagTrue,
				HResult:      0x80230405,
				HRMessage:    "The operation failed because the object cannot be found",
				Exception:    prsExc,
			},
		},
		{
			name: "commas inside the message", provider: sourcePasswordReset, id: 33008,
			data: []string{"TrackingId: 5c8e9a70-1d2b-4c3d-8e4f-5a6b7c8d9e0f, Reason: Synchronization Engine returned an error hr=80230619, message=A restriction prevents the password from being changed, for example age, history or complexity., Context : cloudAnchor : User_22222222-3333-4444-5555-666666666666, SourceAnchorValue : AAAAAAAAAAAAAAAAAAAAAA==, UserPrincipalName : a@b.c, Details: x"},
			want: Fields{
				TrackingID:   "5c8e9a70-1d2b-4c3d-8e4f-5a6b7c8d9e0f",
				Reason:       "Synchronization Engine returned an error hr=80230619, message=A restriction prevents the password from being changed, for example age, history or complexity.",
				CloudAnchor:  "User_22222222-3333-4444-5555-666666666666",
				SourceAnchor: "AAAAAAAAAAAAAAAAAAAAAA==",
				UPN:          "a@b.c",
				HResult:      0x80230619,
				HRMessage:    "A restriction prevents the password from being changed, for example age, history or complexity.",
			},
		},
		{
			name: "6329 seed 000", provider: sourceADSync, id: 6329,
			data: []string{text6329},
			want: Fields{
				HResult:   0x80230405,
				HRMessage: "The operation failed because the object cannot be found",
				Trace: []TraceLine{
					{Kind: "ERR_", Thread: 9032, File: `..\ObjectSearcher.cpp`, Line: 461, Rest: "AD Object is not present.",
						Raw: `ERR_: MMS(9032): ..\ObjectSearcher.cpp(461): AD Object is not present.`},
					{Kind: "BAIL", Thread: 9032, File: `..\ObjectSearcher.cpp`, Line: 491, HResult: 0x80230405,
						HRText: "The operation failed because the object cannot be found",
						Rest:   "No password writeback targets found. Make sure that the source object exists and is connected to the target objects via MV and the target object is in scope of password sync rule. AAD anchor = User_966e4393-d730-423c-a3c9-001a3699575fAzure AD Sync 2.5.79.0",
						Raw:    `BAIL: MMS(9032): ..\ObjectSearcher.cpp(491): 0x80230405 (The operation failed because the object cannot be found): No password writeback targets found. Make sure that the source object exists and is connected to the target objects via MV and the target object is in scope of password sync rule. AAD anchor = User_966e4393-d730-423c-a3c9-001a3699575fAzure AD Sync 2.5.79.0`},
				},
				AADAnchor:   seedAnchor,
				SyncVersion: "2.5.79.0",
			},
		},
		{
			name: "6329 seed 000 as two strings", provider: sourceADSync, id: 6329,
			data: []string{
				"An unexpected error has occurred during a password set operation.",
				"ERR_: MMS(9032): ..\\ObjectSearcher.cpp(461): AD Object is not present.\nBAIL: MMS(9032): ..\\ObjectSearcher.cpp(491): 0x80230405 (The operation failed because the object cannot be found): No password writeback targets found. AAD anchor = User_966e4393-d730-423c-a3c9-001a3699575f",
			},
			want: Fields{
				HResult:   0x80230405,
				HRMessage: "The operation failed because the object cannot be found",
				Trace: []TraceLine{
					{Kind: "ERR_", Thread: 9032, File: `..\ObjectSearcher.cpp`, Line: 461, Rest: "AD Object is not present.",
						Raw: `ERR_: MMS(9032): ..\ObjectSearcher.cpp(461): AD Object is not present.`},
					{Kind: "BAIL", Thread: 9032, File: `..\ObjectSearcher.cpp`, Line: 491, HResult: 0x80230405,
						HRText: "The operation failed because the object cannot be found",
						Rest:   "No password writeback targets found. AAD anchor = User_966e4393-d730-423c-a3c9-001a3699575f",
						Raw:    `BAIL: MMS(9032): ..\ObjectSearcher.cpp(491): 0x80230405 (The operation failed because the object cannot be found): No password writeback targets found. AAD anchor = User_966e4393-d730-423c-a3c9-001a3699575f`},
				},
				AADAnchor: seedAnchor,
			},
		},
		{
			name: "6329 with a bare version string", provider: sourceADSync, id: 6329,
			data: []string{"BAIL: MMS(1): x.cpp(2): 0x8023061f (The operation failed because password synchronization is not enabled on this Management Agent)", "1.6.4.0"},
			want: Fields{
				HResult:   0x8023061f,
				HRMessage: "The operation failed because password synchronization is not enabled on this Management Agent",
				Trace: []TraceLine{{Kind: "BAIL", Thread: 1, File: "x.cpp", Line: 2, HResult: 0x8023061f,
					HRText: "The operation failed because password synchronization is not enabled on this Management Agent",
					Raw:    "BAIL: MMS(1): x.cpp(2): 0x8023061f (The operation failed because password synchronization is not enabled on this Management Agent)"}},
				SyncVersion: "1.6.4.0",
			},
		},
		{
			name: "6329 code outside a trace line", provider: sourceADSync, id: 6329,
			data: []string{"An unexpected error has occurred during a password set operation. 0x8023061f (The operation failed because password synchronization is not enabled on this Management Agent)"},
			want: Fields{
				HResult:   0x8023061f,
				HRMessage: "The operation failed because password synchronization is not enabled on this Management Agent",
			},
		},
		{
			name: "6329 RPC error", provider: sourceADSync, id: 6329,
			data: []string{text6329RPC},
			want: Fields{
				HResult:   0x80004005,
				HRMessage: "Unspecified error",
				Trace: []TraceLine{
					{Kind: "BAIL", Thread: 4984, File: `..\dnutils.cpp`, Line: 1341, HResult: 0x800700b7, HRText: "Cannot create a file when that file already exists.",
						Raw: `BAIL: MMS(4984): ..\dnutils.cpp(1341): 0x800700b7 (Cannot create a file when that file already exists.)`},
					{Kind: "ERR_", Thread: 4984, File: `X:\bt\1016372\repo\src\dev\sync\ma\shared\inc\MAUtils.h`, Line: 58, Rest: "Failed getting registry value 'ADMADoNormalization', 0x2",
						Raw: `ERR_: MMS(4984): X:\bt\1016372\repo\src\dev\sync\ma\shared\inc\MAUtils.h(58): Failed getting registry value 'ADMADoNormalization', 0x2`},
					{Kind: "ERR_", Thread: 4984, File: "admaexport.cpp", Line: 2939, Rest: "Failed to acquire user information: 0x6ba",
						Raw: `ERR_: MMS(4984): admaexport.cpp(2939): Failed to acquire user information: 0x6ba`},
					{Kind: "BAIL", Thread: 4984, File: "admaexport.cpp", Line: 2963, HResult: 0x80004005, HRText: "Unspecified error",
						Raw: `BAIL: MMS(4984): admaexport.cpp(2963): 0x80004005 (Unspecified error)`},
					{Kind: "ERR_", Thread: 4984, File: `..\ma.cpp`, Line: 8000, Rest: "ExportPasswordSet failed with 0x80004005",
						Raw: `ERR_: MMS(4984): ..\ma.cpp(8000): ExportPasswordSet failed with 0x80004005`},
				},
				SyncVersion: "1.4.18.0",
			},
		},
		{
			name: "656", provider: sourceDirSync, id: 656,
			data: []string{text656},
			want: Fields{
				DNs:     []string{"CN=Viola Hanson,OU=Cloud Objects,DC=contoso,DC=local"},
				Anchors: []string{"H552hI9GwEykZwosf74JeOQ=="},
			},
		},
		{
			name: "657 old format", provider: sourceDirSync, id: 657,
			data: []string{text657Old},
			want: Fields{
				Status:  "Success",
				DNs:     []string{"CN=Ann Lee,OU=Staff,DC=contoso,DC=local"},
				Anchors: []string{"eX5b50Rf+UizRIMe2CA/tg=="},
			},
		},
		{
			name: "657 new format, two users", provider: sourceDirSync, id: 657,
			data: []string{text657New},
			want: Fields{
				Status:  "Success",
				DNs:     []string{"CN=Ann Lee,OU=Staff,DC=contoso,DC=local", `CN=Hanson\, Viola,OU=Cloud Objects,DC=contoso,DC=local`},
				Anchors: []string{"eX5b50Rf+UizRIMe2CA/tg==", "H552hI9GwEykZwosf74JeOQ=="},
			},
		},
		{
			name: "31019 heartbeat", provider: sourcePasswordReset, id: 31019,
			data: []string{text31019},
			want: Fields{
				Relay:    "ssprdedicatedsbprodfra-1.servicebus.windows.net",
				Endpoint: "4f8c2a1e-9b3d-4e5f-8a7b-6c5d4e3f2a1b_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			},
		},
		{
			name: "31019 US government relay", provider: sourcePasswordReset, id: 31019,
			data: []string{"Heartbeat: ssprdedicatedsbprodusgv.servicebus.usgovcloudapi.net"},
			want: Fields{Relay: "ssprdedicatedsbprodusgv.servicebus.usgovcloudapi.net"},
		},
		{
			name: "31034 China relay, certificate", provider: sourcePasswordReset, id: 31034,
			data: []string{"The connection to the connect service was lost. Relay ssprdedicatedsbmcprodcne.servicebus.chinacloudapi.cn: The remote certificate is invalid according to the validation procedure."},
			want: Fields{Relay: "ssprdedicatedsbmcprodcne.servicebus.chinacloudapi.cn"},
		},
		{
			name: "32002 one-liner", provider: sourcePasswordReset, id: 32002,
			data: []string{"Error Connecting to ServiceBus. The token provider was unable to provide a security token."},
			want: Fields{},
		},
		{
			name: "exception type without a tracking id", provider: sourcePasswordReset, id: 32000,
			data: []string{"System.ServiceModel.EndpointNotFoundException: There was no endpoint listening.\r\n   at X.Y()"},
			want: Fields{Exception: "System.ServiceModel.EndpointNotFoundException"},
		},
		{
			name: "no data", provider: sourcePasswordReset, id: 31001,
			want: Fields{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(tt.provider, tt.id, tt.data)
			want := tt.want
			if want.Text == "" {
				want.Text = strings.Join(tt.data, "\n")
			}
			normalize(&got)
			normalize(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Extract mismatch\n got: %+v\nwant: %+v", got, want)
				diffFields(t, got, want)
			}
		})
	}
}

// normalize makes empty and nil slices compare equal.
func normalize(f *Fields) {
	if len(f.Trace) == 0 {
		f.Trace = nil
	}
	if len(f.DNs) == 0 {
		f.DNs = nil
	}
	if len(f.Anchors) == 0 {
		f.Anchors = nil
	}
}

func diffFields(t *testing.T, got, want Fields) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < g.NumField(); i++ {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			t.Errorf("%s: got %#v, want %#v", g.Type().Field(i).Name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
}

func TestExtractIntoReuses(t *testing.T) {
	var f Fields
	ExtractInto(&f, sourceDirSync, 657, []string{text657New})
	if len(f.Anchors) != 2 {
		t.Fatalf("anchors = %v", f.Anchors)
	}
	p := &f.Anchors[:1][0]
	ExtractInto(&f, sourceDirSync, 656, []string{text656})
	if len(f.Anchors) != 1 || &f.Anchors[0] != p {
		t.Errorf("ExtractInto did not reuse the Anchors array: %v", f.Anchors)
	}
	if f.Status != "" {
		t.Errorf("Status not reset: %q", f.Status)
	}
}

func TestFlag(t *testing.T) {
	for _, tt := range []struct {
		f      Flag
		v, ok  bool
		string string
	}{{FlagUnset, false, false, ""}, {FlagFalse, false, true, "False"}, {FlagTrue, true, true, "True"}} {
		v, ok := tt.f.Value()
		if v != tt.v || ok != tt.ok || tt.f.String() != tt.string {
			t.Errorf("%d: Value() = %v, %v; String() = %q", tt.f, v, ok, tt.f.String())
		}
	}
}

// BenchmarkExtract is ExtractInto on the test texts and on the records
// Prepare extracts from generated logs of each mix (as scan reads them:
// data of the events the correlator reads, one heartbeat per chunk); the
// -ref runs are the reference (the implementation before its rewrite) on
// the same records.
func BenchmarkExtract(b *testing.B) {
	var texts []extractCase
	for _, c := range diffTexts() {
		if len(c.data) > 0 {
			texts = append(texts, c)
		}
	}
	sets := []struct {
		name  string
		cases func(b *testing.B) []extractCase
	}{
		{"texts", func(*testing.B) []extractCase { return texts }},
		{"entra", func(b *testing.B) []extractCase { return scanCases(b, "entra") }},
		{"member", func(b *testing.B) []extractCase { return scanCases(b, "member") }},
	}
	for _, set := range sets {
		for _, impl := range []struct {
			suffix  string
			extract func(*Fields, string, uint16, []string)
		}{{"", ExtractInto}, {"-ref", refExtractInto}} {
			b.Run(set.name+impl.suffix, func(b *testing.B) {
				cs := set.cases(b)
				var f Fields
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					c := &cs[i%len(cs)]
					impl.extract(&f, c.provider, c.id, c.data)
				}
			})
		}
	}
}

// BenchmarkPrepare is Prepare on the records it extracts from generated
// logs of each mix, allocation of the Fields included.
func BenchmarkPrepare(b *testing.B) {
	for _, mix := range []string{"entra", "member"} {
		b.Run(mix, func(b *testing.B) {
			cs := scanCases(b, mix)
			evs := make([]parser.Event, len(cs))
			for i, c := range cs {
				evs[i] = parser.Event{Provider: c.provider, EventID: c.id, Data: c.data}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if Prepare(&evs[i%len(evs)]) == nil {
					b.Fatal("nothing prepared")
				}
			}
		})
	}
}

// FuzzExtract checks that Extract never panics and that every string field
// is a substring of Text (or of its header with the line breaks folded).
func FuzzExtract(f *testing.F) {
	for _, s := range []string{text31001, text31002, text31010, text33004, text33002, text6329, text6329RPC, text656, text657New, text31019, "BAIL: MMS(1) 0x8", "AAD anchor = User_", "Dn : ,", "0x80230405 ("} {
		f.Add(s, "")
	}
	f.Add("ERR_: MMS(9032): a.cpp(1", "1.2.3")
	f.Fuzz(func(t *testing.T, a, b string) {
		data := []string{a}
		if b != "" {
			data = append(data, b)
		}
		got := Extract(sourceADSync, 6329, data)
		for _, s := range []string{got.TrackingID, got.Status, got.Reason, got.CloudAnchor, got.SourceAnchor, got.UPN,
			got.AdminUPN, got.HRMessage, got.Exception, got.AADAnchor, got.Relay, got.Endpoint} {
			if !strings.Contains(got.Text, s) && !strings.Contains(unwrap(got.Text[:headerEnd(got.Text)]), s) {
				t.Fatalf("field %q not in text %q", s, got.Text)
			}
		}
		for _, tl := range got.Trace {
			if !strings.Contains(got.Text, tl.Raw) {
				t.Fatalf("trace line %q not in text", tl.Raw)
			}
		}
	})
}

// Published variants of the same texts: keys without their colon,
// typographic quotes around the MMS trace, headers wrapped across lines,
// and a 6329 flattened into one line or split into insertion strings.
func TestExtractLenient(t *testing.T) {
	const tid = "62a5da50-8a6b-43a4-8418-82f88522ab34"
	const anchor = "User_966e4393-d730-423c-a3c9-001a3699575f"
	t.Run("keys without colon", func(t *testing.T) {
		f := Extract(sourcePasswordReset, 33002, []string{"TrackingId " + tid + ", Reason: Synchronization Engine returned an error hr=80230405, message=The operation failed because the object cannot be found, Context: cloudAnchor " + anchor + ", SourceAnchorValue AMFLaZcQeEerjEZiNFC+BA==, UserPrincipalName User-1@Tailspintoys.ca, unblockUser True"})
		if f.TrackingID != tid || f.CloudAnchor != anchor || f.UPN != "User-1@Tailspintoys.ca" || f.SourceAnchor != "AMFLaZcQeEerjEZiNFC+BA==" || f.HResult != 0x80230405 {
			t.Errorf("%+v", f)
		}
	})
	t.Run("wrapped header", func(t *testing.T) {
		f := Extract(sourcePasswordReset, 33004, []string{"TrackingId: " + tid + ", Reason: Synchronization Engine returned an error hr=80230626, message=The password could not be updated because the management\r\n agent credentials were denied access., Context: cloudAnchor:\r\n" + anchor + ", UserPrincipalName: ethan@contoso.co.uk, Details: x"})
		if f.TrackingID != tid || f.CloudAnchor != anchor || f.UPN != "ethan@contoso.co.uk" || f.HResult != 0x80230626 ||
			f.HRMessage != "The password could not be updated because the management agent credentials were denied access." {
			t.Errorf("%+v", f)
		}
	})
	seedLines := []string{
		`ERR_: MMS(9032): ..\ObjectSearcher.cpp(461): AD Object is not present.`,
		`BAIL: MMS(9032): ..\ObjectSearcher.cpp(491): 0x80230405 (The operation failed because the object cannot be found): No password writeback targets found. Make sure that the source object exists and is connected to the target objects via MV and the target object is in scope of password sync rule. AAD anchor = ` + anchor + `Azure AD Sync 2.5.79.0`,
	}
	for _, tt := range []struct {
		name string
		data []string
	}{
		{"typographic quotes", []string{"An unexpected error has occurred during a password set operation.\r\n\u201c" + seedLines[0] + "\r\n" + seedLines[1] + "\u201d"}},
		{"one line", []string{"An unexpected error has occurred during a password set operation. \"" + seedLines[0] + " " + seedLines[1] + "\""}},
		{"insertion strings", []string{"An unexpected error has occurred during a password set operation.", "\"" + seedLines[0], seedLines[1] + "\""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := Extract(sourceADSync, 6329, tt.data)
			if len(f.Trace) != 2 || f.Trace[0].Kind != "ERR_" || f.Trace[1].HResult != 0x80230405 || f.HResult != 0x80230405 {
				t.Fatalf("trace %+v", f.Trace)
			}
			if f.AADAnchor != anchor || f.SyncVersion != "2.5.79.0" {
				t.Errorf("anchor %q version %q", f.AADAnchor, f.SyncVersion)
			}
			if m := summary(&f); !strings.HasPrefix(m, "ERR_: MMS(9032): ..\\ObjectSearcher.cpp(461): AD Object is not present. | BAIL") {
				t.Errorf("summary %q", m)
			}
		})
	}
	t.Run("first line naming the failure", func(t *testing.T) {
		f := Extract(sourceADSync, 6329, []string{text6329RPC})
		if m := summary(&f); !strings.HasPrefix(m, "ERR_: MMS(4984): admaexport.cpp(2939): Failed to acquire user information: 0x6ba") {
			t.Errorf("summary %q", m)
		}
	})
}
