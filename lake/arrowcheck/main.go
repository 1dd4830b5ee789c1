// Command arrowcheck reads the tables of an evtxscan data lake with Apache
// Arrow's Go Parquet reader (github.com/apache/arrow-go), with no options,
// and prints what it found as one JSON document: for each part file its
// table, created_by, row count, the Arrow type of each column, the page
// types and encodings of its column chunks, and its rows (Arrow's JSON
// form). The lake's tests run it (go run . LAKE) and compare the result
// with the JSON output of evtxscan scan.
//
// It is a module of its own so that the main module does not take Arrow's
// dependencies; it does not import evtxscan.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// File is what arrowcheck reports of one part file.
type File struct {
	Path      string            `json:"path"` // relative to the lake, with "/"
	Table     string            `json:"table"`
	CreatedBy string            `json:"created_by"`
	Rows      int64             `json:"rows"`
	Types     map[string]string `json:"types"`      // top-level column: Arrow type
	PageTypes []string          `json:"page_types"` // distinct, sorted
	Encodings []string          `json:"encodings"`  // distinct, sorted
	Records   []json.RawMessage `json:"records"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: arrowcheck LAKE")
		os.Exit(2)
	}
	root := os.Args[1]
	var files []File
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".parquet") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			return nil
		}
		f, err := check(root, p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "arrowcheck:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(files); err != nil {
		fmt.Fprintln(os.Stderr, "arrowcheck:", err)
		os.Exit(1)
	}
}

func check(root, p string) (File, error) {
	rel, _ := filepath.Rel(root, p)
	rel = filepath.ToSlash(rel)
	out := File{Path: rel, Table: strings.SplitN(rel, "/", 2)[0], Types: map[string]string{}}
	rdr, err := file.OpenParquetFile(p, false)
	if err != nil {
		return out, err
	}
	defer rdr.Close()
	md := rdr.MetaData()
	out.CreatedBy = md.GetCreatedBy()
	pages, encs := map[string]bool{}, map[string]bool{}
	for i := 0; i < rdr.NumRowGroups(); i++ {
		rg := rdr.RowGroup(i)
		for c := 0; c < rg.NumColumns(); c++ {
			cm, err := rg.MetaData().ColumnChunk(c)
			if err != nil {
				return out, err
			}
			for _, e := range cm.Encodings() {
				encs[e.String()] = true
			}
			pr, err := rg.GetColumnPageReader(c)
			if err != nil {
				return out, err
			}
			for pr.Next() {
				pages[fmt.Sprint(pr.Page().Type())] = true
			}
			if err := pr.Err(); err != nil {
				return out, fmt.Errorf("column %d: %w", c, err)
			}
		}
	}
	out.PageTypes = sortedKeys(pages)
	out.Encodings = sortedKeys(encs)

	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return out, err
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return out, err
	}
	defer tbl.Release()
	out.Rows = tbl.NumRows()
	for _, f := range tbl.Schema().Fields() {
		out.Types[f.Name] = f.Type.String()
	}
	tr := array.NewTableReader(tbl, 1024)
	defer tr.Release()
	for tr.Next() {
		var buf bytes.Buffer
		if err := array.RecordToJSON(tr.RecordBatch(), &buf); err != nil {
			return out, err
		}
		for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
			if len(line) > 0 {
				out.Records = append(out.Records, json.RawMessage(slices.Clone(line)))
			}
		}
	}
	return out, tr.Err()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var _ arrow.DataType // the Arrow types are printed with their String form
