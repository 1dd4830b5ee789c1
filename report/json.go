package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/evtxscan/evtxscan/scan"
)

// JSON writes the report as one indented JSON document, the same bytes as
// encoding/json writes for the whole value, but element by element for the
// long lists, so that memory does not hold the whole document.
func JSON(w io.Writer, rep *scan.Report) error {
	type field struct {
		key  string
		val  any
		n    int             // elements written one by one, when not 0
		elem func(i int) any // element i
	}
	fields := []field{
		{key: "schema", val: rep.Schema},
		{key: "tool", val: rep.Tool},
		{key: "verdict", val: rep.Verdict},
		{key: "tenants", val: rep.Tenants},
		{key: "inputs", val: rep.Inputs},
		{key: "skipped", val: rep.Skipped},
		{key: "errors", val: rep.Errors},
		{key: "attempts", val: rep.Attempts, n: rep.Attempts.Len(), elem: func(i int) any { a := rep.Attempts.At(i); return &a }},
		{key: "findings", val: rep.Findings, n: len(rep.Findings), elem: func(i int) any { return &rep.Findings[i] }},
		{key: "service", val: rep.Service},
		{key: "counts", val: rep.Counts},
		{key: "unjoined_6329", val: rep.Unjoined},
		{key: "unattributed", val: rep.Unattributed},
		{key: "damage", val: rep.Damage},
	}
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	put := func(v any, prefix string) error {
		buf.Reset()
		enc.SetIndent(prefix, "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	}
	bw.WriteString("{\n")
	for i, f := range fields {
		bw.WriteString(`  "` + f.key + `": `)
		if f.n > 0 {
			bw.WriteString("[\n")
			for j := range f.n {
				bw.WriteString("    ")
				if err := put(f.elem(j), "    "); err != nil {
					return err
				}
				if j < f.n-1 {
					bw.WriteString(",")
				}
				bw.WriteString("\n")
			}
			bw.WriteString("  ]")
		} else if err := put(f.val, "  "); err != nil {
			return err
		}
		if i < len(fields)-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("}\n")
	return bw.Flush()
}
