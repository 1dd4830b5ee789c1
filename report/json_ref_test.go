package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"slices"

	"github.com/evtxscan/evtxscan/scan"
)

// referenceJSON is the JSON writer as it was before the single-pass one
// (JSON): encoding/json for each element, indented in a second pass. It is
// the reference the tests hold JSON to, byte for byte.
func referenceJSON(w io.Writer, rep *scan.Report) error {
	type field struct {
		key  string
		val  any
		list []any // written element by element when not nil
	}
	attempts := make([]any, rep.Attempts.Len())
	for i, a := range rep.Attempts.All() {
		attempts[i] = &a
	}
	findings := make([]any, len(rep.Findings))
	for i := range rep.Findings {
		findings[i] = &rep.Findings[i]
	}
	fields := []field{
		{key: "schema", val: rep.Schema},
		{key: "tool", val: rep.Tool},
		{key: "interrupted", val: rep.Interrupted}, // omitempty: dropped below when nil
		{key: "verdict", val: rep.Verdict},
		{key: "tenants", val: rep.Tenants},
		{key: "inputs", val: rep.Inputs},
		{key: "skipped", val: rep.Skipped},
		{key: "errors", val: rep.Errors},
		{key: "attempts", val: rep.Attempts, list: attempts},
		{key: "findings", val: rep.Findings, list: findings},
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
	if rep.Interrupted == nil {
		fields = slices.DeleteFunc(fields, func(f field) bool { return f.key == "interrupted" })
	}
	bw.WriteString("{\n")
	for i, f := range fields {
		bw.WriteString(`  "` + f.key + `": `)
		if len(f.list) > 0 {
			bw.WriteString("[\n")
			for j, e := range f.list {
				bw.WriteString("    ")
				if err := put(e, "    "); err != nil {
					return err
				}
				if j < len(f.list)-1 {
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
