package parser

import (
	"bytes"
	"io"
	"path/filepath"
	"strconv"
	"testing"
)

// largestSamples are the three largest public samples (3.2 MB each), the
// "largest real samples" issue 16 times dump --all on.
var largestSamples = []string{
	"hayabusa/EVTX-to-MITRE-Attack_TA0005-Defense_Evasion_T1562.004-Impair_Defenses-Disable_or_Modify_System_Firewall_ID4688-5447-4950-Firewall_disabled_(command).evtx",
	"hayabusa/DeepBlueCLI_smb-password-guessing-security.evtx",
	"hayabusa/DeepBlueCLI_Powershell-Invoke-Obfuscation-many.evtx",
}

// BenchmarkDumpSample is what one `dump --all` process does with one of the
// largest samples, less start-up and output: a Pool made for the run, a
// Reader with NDJSON on, every event read. allocs/op is the per-file cost
// of the dump path.
func BenchmarkDumpSample(b *testing.B) {
	for i, name := range largestSamples {
		data := sample(b, name)
		for _, w := range []int{1, 2} {
			b.Run("s"+strconv.Itoa(i+1)+"/workers="+strconv.Itoa(w), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				out := 0
				for range b.N {
					pool := NewPool(w)
					r := NewReader(bytes.NewReader(data))
					r.Path = filepath.Base(name)
					r.Pool = pool
					r.NDJSON = true
					for {
						ev, err := r.Read()
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						out += len(ev.JSON)
					}
					r.Close()
					pool.Close()
				}
				b.ReportMetric(float64(out)/float64(b.N), "json-bytes/op")
			})
		}
	}
}
