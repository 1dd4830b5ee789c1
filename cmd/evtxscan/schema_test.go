package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/report"
	"github.com/evtxscan/evtxscan/scan"
)

// This file checks docs/scan.schema.json against the JSON and NDJSON output
// of the scan command. No JSON Schema library is at hand, so it holds a small
// validator for the subset of draft 2020-12 the schema uses; a keyword
// outside that subset makes the schema fail to load rather than be ignored.

const schemaFile = "../../docs/scan.schema.json"

// schemaKeyword reports whether the validator knows keyword k.
// Annotations are accepted and not checked; format is an annotation too (the
// schema pairs it with a pattern, which is checked).
func schemaKeyword(k string) bool {
	switch k {
	case "$schema", "$id", "$comment", "$defs", "title", "description", "format", "examples",
		"$ref", "type", "const", "enum", "pattern", "minimum", "maximum",
		"properties", "required", "additionalProperties", "minProperties", "maxProperties",
		"items", "minItems", "maxItems", "anyOf", "oneOf":
		return true
	}
	return false
}

// A jsonSchema is a decoded schema document. Numbers are json.Number, both
// in the schema and in the instances, so integers stay exact.
type jsonSchema struct {
	root any
	res  map[string]*regexp.Regexp // compiled patterns
}

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// parseSchema decodes a schema and checks it is well formed for this
// validator: known keywords only, keyword values of the right shape, $refs
// that resolve, patterns that compile, required names that are properties.
// It returns every problem found.
func parseSchema(b []byte) (*jsonSchema, []string) {
	root, err := decodeJSON(b)
	if err != nil {
		return nil, []string{err.Error()}
	}
	s := &jsonSchema{root: root, res: map[string]*regexp.Regexp{}}
	var errs []string
	s.lint(root, "#", &errs)
	return s, errs
}

func (s *jsonSchema) lint(sch any, at string, errs *[]string) {
	bad := func(format string, args ...any) {
		*errs = append(*errs, at+": "+fmt.Sprintf(format, args...))
	}
	if _, ok := sch.(bool); ok {
		return
	}
	m, ok := sch.(map[string]any)
	if !ok {
		bad("a schema must be an object or a boolean")
		return
	}
	for k, v := range m {
		if !schemaKeyword(k) {
			bad("keyword %q is not supported by the test's validator", k)
			continue
		}
		switch k {
		case "$ref":
			ref, _ := v.(string)
			if _, err := s.resolve(ref); err != nil {
				bad("%v", err)
			}
		case "type":
			var names []any
			switch t := v.(type) {
			case string:
				names = []any{t}
			case []any:
				names = t
			}
			if len(names) == 0 {
				bad("type must be a name or a list of names")
			}
			for _, n := range names {
				switch n {
				case "null", "boolean", "object", "array", "number", "integer", "string":
				default:
					bad("unknown type %v", n)
				}
			}
		case "pattern":
			p, _ := v.(string)
			re, err := regexp.Compile(p)
			if err != nil {
				bad("pattern: %v", err)
				continue
			}
			s.res[p] = re
		case "enum":
			if l, ok := v.([]any); !ok || len(l) == 0 {
				bad("enum must be a non-empty list")
			}
		case "minimum", "maximum", "minItems", "maxItems", "minProperties", "maxProperties":
			if _, ok := v.(json.Number); !ok {
				bad("%s must be a number", k)
			}
		case "required":
			l, ok := v.([]any)
			if !ok {
				bad("required must be a list")
				continue
			}
			props, _ := m["properties"].(map[string]any)
			for _, n := range l {
				name, _ := n.(string)
				if _, ok := props[name]; !ok {
					bad("required %v is not among the properties", n)
				}
			}
		case "$defs", "properties":
			sub, ok := v.(map[string]any)
			if !ok {
				bad("%s must be an object", k)
				continue
			}
			for name, p := range sub {
				s.lint(p, at+"/"+k+"/"+escapePointer(name), errs)
			}
		case "additionalProperties", "items":
			s.lint(v, at+"/"+k, errs)
		case "anyOf", "oneOf":
			l, ok := v.([]any)
			if !ok || len(l) == 0 {
				bad("%s must be a non-empty list", k)
				continue
			}
			for i, p := range l {
				s.lint(p, at+"/"+k+"/"+strconv.Itoa(i), errs)
			}
		}
	}
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// resolve follows a reference within the document ("#", "#/$defs/x", any
// JSON pointer after "#").
func (s *jsonSchema) resolve(ref string) (any, error) {
	if ref != "#" && !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %q: only references within the document are supported", ref)
	}
	cur := s.root
	if ref == "#" {
		return cur, nil
	}
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("$ref %q: %q not found", ref, tok)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("$ref %q: bad index %q", ref, tok)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("$ref %q: cannot descend into a %T", ref, cur)
		}
	}
	return cur, nil
}

// validate checks inst against the schema at ref ("#" for the whole
// document) and returns the errors, each prefixed with the JSON pointer of
// the offending value. With every set, each property a schema declares is
// taken as required: it checks that a fully filled value shows every field.
func (s *jsonSchema) validate(ref string, inst any, every bool) []string {
	sch, err := s.resolve(ref)
	if err != nil {
		return []string{err.Error()}
	}
	v := &validation{s: s, every: every}
	v.check(sch, inst, "")
	return v.errs
}

type validation struct {
	s     *jsonSchema
	every bool
	errs  []string
}

func (v *validation) fail(at, format string, args ...any) {
	if at == "" {
		at = "/"
	}
	v.errs = append(v.errs, at+": "+fmt.Sprintf(format, args...))
}

// try reports whether inst is valid against sch, without recording errors.
func (v *validation) try(sch, inst any, at string) []string {
	sub := &validation{s: v.s, every: v.every}
	sub.check(sch, inst, at)
	return sub.errs
}

func (v *validation) check(sch, inst any, at string) {
	if b, ok := sch.(bool); ok {
		if !b {
			v.fail(at, "no value is allowed here")
		}
		return
	}
	m, ok := sch.(map[string]any)
	if !ok {
		v.fail(at, "schema is a %T", sch)
		return
	}
	if ref, ok := m["$ref"].(string); ok {
		target, err := v.s.resolve(ref)
		if err != nil {
			v.fail(at, "%v", err)
			return
		}
		v.check(target, inst, at)
	}
	if t, ok := m["type"]; ok && !typeMatches(t, inst) {
		v.fail(at, "%s is not of type %v", jsonType(inst), t)
		return // the other keywords would only repeat the point
	}
	if c, ok := m["const"]; ok && !reflect.DeepEqual(c, inst) {
		v.fail(at, "%s, want %s", shortJSON(inst), shortJSON(c))
	}
	if e, ok := m["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return reflect.DeepEqual(x, inst) }) {
		v.fail(at, "%s is not one of %s", shortJSON(inst), shortJSON(e))
	}
	switch x := inst.(type) {
	case string:
		if p, ok := m["pattern"].(string); ok && !v.s.res[p].MatchString(x) {
			v.fail(at, "%q does not match %s", x, p)
		}
	case json.Number:
		f, _ := x.Float64()
		if lim, ok := number(m["minimum"]); ok && f < lim {
			v.fail(at, "%s is less than the minimum %v", x, lim)
		}
		if lim, ok := number(m["maximum"]); ok && f > lim {
			v.fail(at, "%s is more than the maximum %v", x, lim)
		}
	case []any:
		if lim, ok := number(m["minItems"]); ok && float64(len(x)) < lim {
			v.fail(at, "%d items, fewer than %v", len(x), lim)
		}
		if lim, ok := number(m["maxItems"]); ok && float64(len(x)) > lim {
			v.fail(at, "%d items, more than %v", len(x), lim)
		}
		if items, ok := m["items"]; ok {
			for i, e := range x {
				v.check(items, e, at+"/"+strconv.Itoa(i))
			}
		}
	case map[string]any:
		v.checkObject(m, x, at)
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		l, ok := m[k].([]any)
		if !ok {
			continue
		}
		n := 0
		var closest []string // errors of the branch that came nearest
		for _, sub := range l {
			errs := v.try(sub, inst, at)
			if len(errs) == 0 {
				n++
			} else if closest == nil || len(errs) < len(closest) {
				closest = errs
			}
		}
		switch {
		case n == 0:
			v.fail(at, "matches none of %s; nearest: %s", k, strings.Join(closest, "; "))
		case n > 1 && k == "oneOf":
			v.fail(at, "matches %d branches of oneOf, want exactly one", n)
		}
	}
}

func (v *validation) checkObject(m map[string]any, obj map[string]any, at string) {
	props, _ := m["properties"].(map[string]any)
	req, _ := m["required"].([]any)
	if v.every {
		req = req[:0:0]
		for name := range props {
			req = append(req, name)
		}
		sort.Slice(req, func(i, j int) bool { return req[i].(string) < req[j].(string) })
	}
	for _, r := range req {
		if _, ok := obj[r.(string)]; !ok {
			v.fail(at, "property %q is missing", r)
		}
	}
	if lim, ok := number(m["minProperties"]); ok && float64(len(obj)) < lim {
		v.fail(at, "%d properties, fewer than %v", len(obj), lim)
	}
	if lim, ok := number(m["maxProperties"]); ok && float64(len(obj)) > lim {
		v.fail(at, "%d properties, more than %v", len(obj), lim)
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		val, at := obj[name], at+"/"+escapePointer(name)
		if p, ok := props[name]; ok {
			v.check(p, val, at)
			continue
		}
		switch ap := m["additionalProperties"].(type) {
		case nil:
		case bool:
			if !ap {
				v.fail(at, "property %q is not allowed", name)
			}
		default:
			v.check(ap, val, at)
		}
	}
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		// Digits only, of any size (a uint64 record id may exceed
		// MaxInt64). A fraction or exponent makes a number: stricter than
		// JSON Schema, which goes by value, but encoding/json writes Go
		// integers as digits only.
		if !strings.ContainsAny(x.String(), ".eE") {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func typeMatches(t, inst any) bool {
	names, ok := t.([]any)
	if !ok {
		names = []any{t}
	}
	got := jsonType(inst)
	for _, n := range names {
		if n == got || (n == "number" && got == "integer") {
			return true
		}
	}
	return false
}

func shortJSON(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// loadScanSchema reads docs/scan.schema.json and fails the test if it is
// not well formed for the validator.
func loadScanSchema(t *testing.T) *jsonSchema {
	t.Helper()
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	s, errs := parseSchema(b)
	if len(errs) > 0 {
		t.Fatalf("%s:\n%s", schemaFile, strings.Join(errs, "\n"))
	}
	return s
}

// The validator itself: each case is a schema, an instance and the error
// expected (a substring; "" means valid).
func TestSchemaValidator(t *testing.T) {
	const person = `{
		"$defs": {
			"time": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
			"role": {"enum": ["admin", "user"]}
		},
		"type": "object",
		"additionalProperties": false,
		"required": ["name", "age", "role"],
		"properties": {
			"name": {"type": "string"},
			"age": {"type": "integer", "minimum": 0, "maximum": 200},
			"role": {"$ref": "#/$defs/role"},
			"born": {"anyOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]},
			"tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
			"kind": {"const": "person"},
			"pets": {"type": "object", "maxProperties": 1, "additionalProperties": {"type": "integer"}},
			"either": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 10}]}
		}
	}`
	for _, tc := range []struct {
		name, inst, want string
	}{
		{"valid", `{"name": "a", "age": 3, "role": "user", "born": "2001-02-03", "tags": ["x"], "kind": "person", "pets": {"cat": 1}, "either": 15.5}`, ""},
		{"null allowed by anyOf", `{"name": "a", "age": 3, "role": "user", "born": null}`, ""},
		{"missing required", `{"name": "a", "role": "user"}`, `/: property "age" is missing`},
		{"extra property", `{"name": "a", "age": 3, "role": "user", "nick": "b"}`, `/nick: property "nick" is not allowed`},
		{"wrong enum", `{"name": "a", "age": 3, "role": "root"}`, `/role: "root" is not one of`},
		{"wrong type", `{"name": 7, "age": 3, "role": "user"}`, `/name: integer is not of type string`},
		{"fraction is not an integer", `{"name": "a", "age": 3.5, "role": "user"}`, `/age: number is not of type integer`},
		{"exponent is not an integer", `{"name": "a", "age": 3e1, "role": "user"}`, `/age: number is not of type integer`},
		{"integer beyond int64", `{"name": "a", "age": 18446744073709551615, "role": "user"}`, `more than the maximum`},
		{"below minimum", `{"name": "a", "age": -1, "role": "user"}`, `less than the minimum`},
		{"above maximum", `{"name": "a", "age": 201, "role": "user"}`, `more than the maximum`},
		{"pattern", `{"name": "a", "age": 3, "role": "user", "born": "3 Feb 2001"}`, `/born: matches none of anyOf`},
		{"items", `{"name": "a", "age": 3, "role": "user", "tags": ["x", 1]}`, `/tags/1: integer is not of type string`},
		{"minItems", `{"name": "a", "age": 3, "role": "user", "tags": []}`, `0 items, fewer than 1`},
		{"maxItems", `{"name": "a", "age": 3, "role": "user", "tags": ["x", "y", "z"]}`, `3 items, more than 2`},
		{"const", `{"name": "a", "age": 3, "role": "user", "kind": "robot"}`, `/kind: "robot", want "person"`},
		{"additionalProperties schema", `{"name": "a", "age": 3, "role": "user", "pets": {"cat": "one"}}`, `/pets/cat: string is not of type integer`},
		{"maxProperties", `{"name": "a", "age": 3, "role": "user", "pets": {"cat": 1, "dog": 2}}`, `2 properties, more than 1`},
		{"oneOf none", `{"name": "a", "age": 3, "role": "user", "either": "x"}`, `/either: matches none of oneOf`},
		{"oneOf two", `{"name": "a", "age": 3, "role": "user", "either": 12}`, `matches 2 branches of oneOf`},
		{"not an object", `[1]`, `/: array is not of type object`},
		{"null is not a string", `{"name": null, "age": 3, "role": "user"}`, `/name: null is not of type string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, errs := parseSchema([]byte(person))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			inst, err := decodeJSON([]byte(tc.inst))
			if err != nil {
				t.Fatal(err)
			}
			got := s.validate("#", inst, false)
			if tc.want == "" {
				if len(got) > 0 {
					t.Errorf("errors %q, want none", got)
				}
				return
			}
			if !slices.ContainsFunc(got, func(e string) bool { return strings.Contains(e, tc.want) }) {
				t.Errorf("errors %q, want one containing %q", got, tc.want)
			}
		})
	}

	// With every set, a declared property that is absent is an error.
	s, _ := parseSchema([]byte(person))
	inst, _ := decodeJSON([]byte(`{"name": "a", "age": 3, "role": "user"}`))
	if got := s.validate("#", inst, true); !slices.ContainsFunc(got, func(e string) bool { return strings.Contains(e, `"born" is missing`) }) {
		t.Errorf("every: errors %q, want born missing", got)
	}
}

// Schemas the validator cannot apply faithfully are refused.
func TestSchemaValidatorRejectsSchema(t *testing.T) {
	for _, tc := range []struct{ schema, want string }{
		{`{"type": "string", "minLength": 1}`, `keyword "minLength" is not supported`},
		{`{"$defs": {}, "properties": {"a": {"$ref": "#/$defs/missing"}}}`, `"missing" not found`},
		{`{"$ref": "https://example.com/x.json"}`, `only references within the document`},
		{`{"type": "text"}`, `unknown type text`},
		{`{"pattern": "("}`, `pattern:`},
		{`{"required": ["a"], "properties": {"b": {}}}`, `required a is not among the properties`},
		{`{"enum": []}`, `enum must be a non-empty list`},
		{`{"items": {"unevaluatedProperties": false}}`, `#/items: keyword "unevaluatedProperties"`},
	} {
		_, errs := parseSchema([]byte(tc.schema))
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tc.want) }) {
			t.Errorf("%s: errors %q, want one containing %q", tc.schema, errs, tc.want)
		}
	}
}

// The schema document itself: every property is described, every object
// shut to undeclared fields, and the NDJSON line definitions are the
// attempt and finding objects with "kind" added.
func TestSchemaDocument(t *testing.T) {
	s := loadScanSchema(t)
	root := s.root.(map[string]any)
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" || root["$id"] != "https://evtxscan.invalid/schema/scan-2.json" {
		t.Errorf("$schema %v, $id %v", root["$schema"], root["$id"])
	}
	if c := root["properties"].(map[string]any)["schema"].(map[string]any)["const"]; c != scan.Schema {
		t.Errorf("schema const %v, the code writes %q", c, scan.Schema)
	}
	// Definitions, properties, list items and map values are described;
	// the branches of anyOf and oneOf are described by their parent.
	var walk func(sch any, at string, described bool)
	walk = func(sch any, at string, described bool) {
		m, ok := sch.(map[string]any)
		if !ok {
			return
		}
		if d, _ := m["description"].(string); described && d == "" {
			t.Errorf("%s: no description", at)
		}
		if m["type"] == "object" {
			ap, ok := m["additionalProperties"]
			_, isSchema := ap.(map[string]any)
			if !ok || (ap != false && !isSchema) || (isSchema && m["properties"] != nil) {
				t.Errorf("%s: an object must be closed (additionalProperties false) or be a map (a schema for its values)", at)
			}
		}
		for _, k := range []string{"$defs", "properties"} {
			sub, _ := m[k].(map[string]any)
			for name, p := range sub {
				walk(p, at+"/"+k+"/"+escapePointer(name), true)
			}
		}
		for _, k := range []string{"items", "additionalProperties"} {
			walk(m[k], at+"/"+k, true)
		}
		for _, k := range []string{"anyOf", "oneOf"} {
			sub, _ := m[k].([]any)
			for i, p := range sub {
				walk(p, at+"/"+k+"/"+strconv.Itoa(i), false)
			}
		}
	}
	walk(s.root, "#", true)

	defs := root["$defs"].(map[string]any)
	for line, base := range map[string]string{"attemptLine": "attempt", "findingLine": "finding", "unattributedLine": "unattributed", "interruptedLine": "interrupted"} {
		l, b := defs[line].(map[string]any), defs[base].(map[string]any)
		lp := copyObject(l["properties"])
		kind := lp["kind"]
		delete(lp, "kind")
		if !reflect.DeepEqual(lp, b["properties"]) {
			t.Errorf("$defs/%s: properties other than kind differ from $defs/%s", line, base)
		}
		if want := append([]any{"kind"}, b["required"].([]any)...); !reflect.DeepEqual(l["required"], want) {
			t.Errorf("$defs/%s: required %v, want %v", line, l["required"], want)
		}
		if k, _ := kind.(map[string]any); k == nil || k["const"] != base {
			t.Errorf("$defs/%s: kind %v, want const %q", line, kind, base)
		}
	}
}

// copyObject returns a shallow copy of an object.
func copyObject(v any) map[string]any {
	out := map[string]any{}
	for k, x := range v.(map[string]any) {
		out[k] = x
	}
	return out
}

// schemaDefs maps every struct type the scan document holds to the schema
// that describes it.
func schemaDefs() map[reflect.Type]string {
	return map[reflect.Type]string{
		reflect.TypeFor[scan.Report]():            "#",
		reflect.TypeFor[scan.Input]():             "#/$defs/input",
		reflect.TypeFor[scan.Skipped]():           "#/$defs/skipped",
		reflect.TypeFor[scan.Tenant]():            "#/$defs/tenant",
		reflect.TypeFor[scan.Server]():            "#/$defs/server",
		reflect.TypeFor[scan.Service]():           "#/$defs/service",
		reflect.TypeFor[correlate.Attempt]():      "#/$defs/attempt",
		reflect.TypeFor[correlate.AttemptEvent](): "#/$defs/attemptEvent",
		reflect.TypeFor[correlate.Finding]():      "#/$defs/finding",
		reflect.TypeFor[correlate.EvidenceRef]():  "#/$defs/evidenceRef",
		reflect.TypeFor[correlate.Span]():         "#/$defs/span",
		reflect.TypeFor[correlate.VersionSpan]():  "#/$defs/versionSpan",
		reflect.TypeFor[correlate.Run]():          "#/$defs/run",
		reflect.TypeFor[correlate.ServiceError](): "#/$defs/serviceError",
		reflect.TypeFor[correlate.Counts]():       "#/$defs/counts",
		reflect.TypeFor[correlate.Damage]():       "#/$defs/damage",
		reflect.TypeFor[correlate.Unattributed](): "#/$defs/unattributed",
		reflect.TypeFor[scan.Interruption]():      "#/$defs/interrupted",
	}
}

// jsonField is a field as encoding/json writes it.
type jsonField struct {
	name     string
	optional bool // omitempty or omitzero: not always written
}

func jsonFields(t *testing.T, typ reflect.Type) []jsonField {
	var out []jsonField
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(t, f.Type)...) // encoding/json flattens it
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		opt := false
		for o := range strings.SplitSeq(opts, ",") {
			opt = opt || o == "omitempty" || o == "omitzero"
		}
		out = append(out, jsonField{name, opt})
	}
	return out
}

// The Go types and the schema declare the same fields, and a field is
// required exactly when the code always writes it (no omitempty or
// omitzero). This catches an optional field added to the code, which no
// golden output may show yet.
func TestSchemaMatchesGoTypes(t *testing.T) {
	s := loadScanSchema(t)
	defs := schemaDefs()
	// Every struct reachable from scan.Report is mapped (Time is a string).
	seen := map[reflect.Type]bool{}
	var reach func(reflect.Type)
	reach = func(typ reflect.Type) {
		if typ == reflect.TypeFor[correlate.AttemptList]() {
			typ = reflect.TypeFor[[]correlate.Attempt]() // as it is written
		}
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			reach(typ.Elem())
			return
		case reflect.Struct:
		default:
			return
		}
		if typ == reflect.TypeFor[correlate.Time]() || seen[typ] {
			return
		}
		seen[typ] = true
		if _, ok := defs[typ]; !ok {
			t.Errorf("%v is written by scan but has no schema in schemaDefs", typ)
		}
		var fields func(reflect.Type)
		fields = func(typ reflect.Type) {
			for f := range typ.Fields() {
				switch {
				case f.Anonymous && f.Type.Kind() == reflect.Struct:
					fields(f.Type) // flattened into typ
				case f.IsExported() && f.Tag.Get("json") != "-":
					reach(f.Type)
				}
			}
		}
		fields(typ)
	}
	reach(reflect.TypeFor[scan.Report]())

	for typ, ref := range defs {
		sch, err := s.resolve(ref)
		if err != nil {
			t.Fatal(err)
		}
		m := sch.(map[string]any)
		props, _ := m["properties"].(map[string]any)
		required := map[string]bool{}
		for _, r := range m["required"].([]any) {
			required[r.(string)] = true
		}
		declared := map[string]bool{}
		for _, f := range jsonFields(t, typ) {
			declared[f.name] = true
			if _, ok := props[f.name]; !ok {
				t.Errorf("%v writes %q, which %s does not declare", typ, f.name, ref)
				continue
			}
			if required[f.name] == f.optional {
				t.Errorf("%v: %q is optional in Go (omitempty/omitzero) %v, required in %s %v", typ, f.name, f.optional, ref, required[f.name])
			}
		}
		for name := range props {
			if !declared[name] {
				t.Errorf("%s declares %q, which %v does not write", ref, name, typ)
			}
		}
	}
}

// scanGoldens returns the golden JSON documents of the scan command.
func scanGoldens(t *testing.T) []string {
	paths, _ := filepath.Glob(filepath.Join("testdata", "scan", "*.json"))
	if len(paths) == 0 {
		t.Fatal("no golden JSON in testdata/scan")
	}
	sort.Strings(paths)
	return paths
}

func validateFile(t *testing.T, s *jsonSchema, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := decodeJSON(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, e := range s.validate("#", doc, false) {
		t.Errorf("%s: %s", path, e)
	}
}

// Every golden output of scan --format json is valid.
func TestSchemaGoldenJSON(t *testing.T) {
	s := loadScanSchema(t)
	for _, p := range scanGoldens(t) {
		validateFile(t, s, p)
	}
}

// Damaging a golden document makes it invalid, with the error where the
// damage is: the schema really constrains the document.
func TestSchemaRejectsDrift(t *testing.T) {
	s := loadScanSchema(t)
	b, err := os.ReadFile(filepath.Join("testdata", "scan", "servicebus-outage.evtx.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(doc map[string]any)
		want   string
	}{
		{"missing top-level field", func(d map[string]any) { delete(d, "verdict") }, `/: property "verdict" is missing`},
		{"extra attempt field", func(d map[string]any) { objAt(d, "attempts", 0)["retries"] = json.Number("1") }, `/attempts/0/retries: property "retries" is not allowed`},
		{"unknown operation", func(d map[string]any) { objAt(d, "attempts", 0)["operation"] = "rename" }, `/attempts/0/operation: "rename" is not one of`},
		{"count as string", func(d map[string]any) { d["counts"].(map[string]any)["events"] = "12" }, `/counts/events: string is not of type integer`},
		{"time with 3 digits", func(d map[string]any) { objAt(d, "findings", 0)["first_seen"] = "2024-03-21T11:15:02.027Z" }, `/findings/0/first_seen: "2024-03-21T11:15:02.027Z" does not match`},
		{"lower-case hresult", func(d map[string]any) { objAt(d, "attempts", 0)["hresult"] = "0x8023062a" }, `/attempts/0/hresult: "0x8023062a" does not match`},
		{"null where omitted", func(d map[string]any) { docService(d)["log_from"] = nil }, `/service/0/log_from: null is not of type string`},
		{"unknown join", func(d map[string]any) { objAt(objAt(d, "attempts", 0), "events", 0)["join"] = "guess" }, `/attempts/0/events/0/join: "guess" is not one of`},
		{"wrong schema version", func(d map[string]any) { d["schema"] = "evtxscan-scan/1" }, `/schema: "evtxscan-scan/1", want "evtxscan-scan/2"`},
		{"server as null", func(d map[string]any) { docService(d)["server"] = nil }, `/service/0/server: null is not of type string`},
		{"negative record id", func(d map[string]any) { objAt(objAt(d, "findings", 0), "evidence", 0)["record_id"] = json.Number("-1") }, `/findings/0/evidence/0/record_id: -1 is less than the minimum`},
		{"gap flag left out", func(d map[string]any) { delete(objAt(docService(d), "heartbeat_gaps", 0), "to_log_end") }, `/service/0/heartbeat_gaps/0: property "to_log_end" is missing`},
		{"null for unknown", func(d map[string]any) { objAt(d, "attempts", 0)["cloud_anchor"] = nil }, `/attempts/0/cloud_anchor: null is not of type string`},
		{"empty string for unknown", func(d map[string]any) { objAt(d, "attempts", 0)["cause"] = "" }, `/attempts/0/cause: "" does not match`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := decodeJSON(b)
			if err != nil {
				t.Fatal(err)
			}
			doc := v.(map[string]any)
			if errs := s.validate("#", doc, false); len(errs) > 0 {
				t.Fatalf("the golden is invalid before the change: %q", errs)
			}
			tc.change(doc)
			errs := s.validate("#", doc, false)
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tc.want) }) {
				t.Errorf("errors %q, want one containing %q", errs, tc.want)
			}
		})
	}
}

// objAt returns the i-th object of the list m[key].
func objAt(m map[string]any, key string, i int) map[string]any {
	return m[key].([]any)[i].(map[string]any)
}

// docService returns the one service object of a document.
func docService(doc map[string]any) map[string]any {
	return objAt(doc, "service", 0)
}

// Every line of scan --format ndjson, for every fixture, is valid; the
// lines are the attempts, then the findings of the JSON document, each
// with "kind" added and nothing else changed.
func TestSchemaNDJSON(t *testing.T) {
	s := loadScanSchema(t)
	var inputs []string
	for _, pat := range []string{"*.evtx", "*.zip"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "evtx", pat))
		inputs = append(inputs, m...)
	}
	if len(inputs) == 0 {
		t.Fatal("no fixtures in testdata/evtx")
	}
	sort.Strings(inputs)
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"scan", "--format", "ndjson", "--workers", "2", in}, &out, &errb)
			if code != exitOK && code != exitDamaged {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var lines []map[string]any
			sc := bufio.NewScanner(&out)
			sc.Buffer(nil, 16<<20)
			for n := 1; sc.Scan(); n++ {
				v, err := decodeJSON(sc.Bytes())
				if err != nil {
					t.Fatalf("line %d: %v", n, err)
				}
				for _, e := range s.validate("#/$defs/ndjsonLine", v, false) {
					t.Errorf("line %d: %s", n, e)
				}
				if m, ok := v.(map[string]any); ok {
					lines = append(lines, m)
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}

			// The same objects as the JSON document (its golden).
			b, err := os.ReadFile(filepath.Join("testdata", "scan", name+".json"))
			if err != nil {
				t.Skipf("no golden JSON to compare with: %v", err)
			}
			v, err := decodeJSON(b)
			if err != nil {
				t.Fatal(err)
			}
			doc := v.(map[string]any)
			var want []map[string]any
			for _, kind := range []string{"attempt", "finding", "unattributed"} {
				list := kind + "s"
				if kind == "unattributed" {
					list = kind
				}
				for _, o := range doc[list].([]any) {
					m := copyObject(o)
					m["kind"] = kind
					want = append(want, m)
				}
			}
			if len(lines) != len(want) {
				t.Fatalf("%d lines, want %d (attempts, then findings, then unattributed groups)", len(lines), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(lines[i], want[i]) {
					t.Errorf("line %d: %s, want %s", i+1, shortJSON(lines[i]), shortJSON(want[i]))
				}
			}
		})
	}
}

// fillValue sets every zero field of v, recursively, and adds one element
// to every empty list or map, so that every optional field is written.
// Strings whose values the schema constrains get valid values, by JSON
// field name.
func fillValue(v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[correlate.AttemptList]() {
			// Filled as the []Attempt it stands for.
			l := reflect.New(reflect.TypeFor[[]correlate.Attempt]()).Elem()
			l.Set(reflect.ValueOf(v.Interface().(correlate.AttemptList).List()))
			fillValue(l, name)
			v.Set(reflect.ValueOf(correlate.AttemptsOf(l.Interface().([]correlate.Attempt)...)))
			return
		}
		if v.Type() == reflect.TypeFor[correlate.Time]() {
			if v.Interface().(correlate.Time).IsZero() {
				v.Set(reflect.ValueOf(correlate.Time{Time: time.Date(2024, 3, 21, 11, 15, 2, 27230700, time.UTC)}))
			}
			return
		}
		typ := v.Type()
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			n, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			fillValue(v.Field(i), n)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
		}
		for i := range v.Len() {
			fillValue(v.Index(i), name)
		}
	case reflect.Map:
		if v.Len() == 0 {
			v.Set(reflect.MakeMap(v.Type()))
			v.SetMapIndex(reflect.ValueOf("tenant").Convert(v.Type().Key()), reflect.New(v.Type().Elem()).Elem())
		}
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			fillValue(e, name)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if v.String() == "" {
			s, ok := map[string]string{
				"operation": correlate.OpAdminReset,
				"outcome":   correlate.OutcomeFailure,
				"severity":  "critical",
				"scope":     "service",
				"join":      correlate.JoinHRNearest,
				"cause":     "heartbeat-gap",
				"because":   "servicebus-unreachable",
				"reason":    correlate.ReasonNoPart,
			}[name]
			if !ok {
				s = "filled " + name
			}
			v.SetString(s)
		}
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillValue(v.Elem(), name)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.IsZero() {
			if v.CanInt() {
				v.SetInt(1)
			} else {
				v.SetUint(1)
			}
		}
	}
}

// A report with every optional field filled, in the JSON document and in
// NDJSON lines, is valid and shows every property the schema declares: the
// schema declares no field the code cannot write.
func TestSchemaFilledReport(t *testing.T) {
	s := loadScanSchema(t)
	for _, p := range scanGoldens(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var rep scan.Report
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			fillValue(reflect.ValueOf(&rep).Elem(), "")
			if rep.Attempts.At(0).AdminUPN == "" || len(rep.Attempts.At(0).Notes) == 0 || rep.Attempts.At(0).HResult == 0 {
				t.Fatalf("fillValue left optional fields empty: %+v", rep.Attempts.At(0))
			}

			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", "  ")
			if err := enc.Encode(&rep); err != nil {
				t.Fatal(err)
			}
			doc, err := decodeJSON(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range s.validate("#", doc, true) {
				t.Errorf("document: %s", e)
			}

			buf.Reset()
			if err := report.NDJSON(&buf, &rep); err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for n, line := range bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n")) {
				v, err := decodeJSON(line)
				if err != nil {
					t.Fatalf("line %d: %v", n+1, err)
				}
				kinds[v.(map[string]any)["kind"].(string)]++
				for _, e := range s.validate("#/$defs/ndjsonLine", v, true) {
					t.Errorf("line %d: %s", n+1, e)
				}
			}
			if kinds["attempt"] != rep.Attempts.Len() || kinds["finding"] != len(rep.Findings) || kinds["unattributed"] != len(rep.Unattributed) {
				t.Errorf("lines by kind %v, want %d attempts, %d findings and %d unattributed", kinds, rep.Attempts.Len(), len(rep.Findings), len(rep.Unattributed))
			}
		})
	}
}
