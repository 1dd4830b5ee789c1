package parser

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	evtx "github.com/0xrawsec/golang-evtx/evtx"
)

// A part is a piece of text content in a template: static text, or a
// reference to substitution value sub.
type part struct {
	text     string
	sub      int  // -1 for static text
	optional bool // an optional substitution: a null value removes its element
}

// A field is the text content of one element or attribute.
type field []part

// single reports the substitution index when the field is exactly one
// substitution.
func (f field) single() (int, bool) {
	if len(f) == 1 && f[0].sub >= 0 {
		return f[0].sub, true
	}
	return 0, false
}

// static reports whether a field is text of the template's own, with no
// substitution.
func (f field) static() bool {
	for _, p := range f {
		if p.sub >= 0 {
			return false
		}
	}
	return true
}

// A plan says where each normalized field of an Event comes from in a
// template: static text or a substitution slot. It is compiled once per
// distinct template definition of a file (see planCache), and is not
// changed after that: the decoders of a Reader share it.
type plan struct {
	provider, sourceName, eventID, qualifiers field
	level, task, keywords, timeCreated        field
	recordID, channel, computer, userID       field
	data                                      []item // data strings, in document order
	system                                    bool   // the template has a System block
}

// staticProvider reports whether the provider and source names of the
// plan's events are the template's own text, the same for each of them.
func (p *plan) staticProvider() bool {
	return p.provider.static() && p.sourceName.static()
}

// An item is where one or more data strings come from. The content of a
// container (EventData, UserData, or Event itself) yields nothing when it is
// empty or null; a leaf element yields a string even when empty.
type item struct {
	f         field
	container bool
}

// node is a template element, built from golang-evtx's flat element list.
type node struct {
	name     string
	attrs    []attr
	content  field
	children []*node
}

type attr struct {
	name string
	val  field
}

// partOf converts a golang-evtx content element to a part.
func partOf(e evtx.Element) (part, bool) {
	switch v := e.(type) {
	case *evtx.ValueText:
		return part{text: v.String(), sub: -1}, true
	case *evtx.NormalSubstitution:
		return part{sub: int(uint16(v.SubID))}, true
	case *evtx.OptionalSubstitution:
		return part{sub: int(uint16(v.SubID)), optional: true}, true
	case *evtx.CharEntityRef:
		return part{text: string(rune(uint16(v.Value))), sub: -1}, true
	case *evtx.BinXMLEntityReference:
		return part{text: v.String(), sub: -1}, true
	}
	return part{}, false
}

// buildTree turns golang-evtx's flat element list into a tree.
func buildTree(elems []evtx.Element) *node {
	root := &node{}
	stack := []*node{root}
	for _, e := range elems {
		top := stack[len(stack)-1]
		switch v := e.(type) {
		case *evtx.ElementStart:
			n := &node{name: v.Name.String()}
			for i := range v.AttributeList.Attributes {
				a := &v.AttributeList.Attributes[i]
				var f field
				if p, ok := partOf(a.AttributeData); ok {
					f = field{p}
				}
				n.attrs = append(n.attrs, attr{name: a.Name.String(), val: f})
			}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case *evtx.BinXMLCloseEmptyElementTag, *evtx.BinXMLEndElementTag:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case *evtx.BinXMLEOF:
			return root
		default:
			if p, ok := partOf(e); ok {
				top.content = append(top.content, p)
			}
		}
	}
	return root
}

func (n *node) attr(name string) field {
	for _, a := range n.attrs {
		if a.name == name {
			return a.val
		}
	}
	return nil
}

func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// compile makes a plan from a template's element tree. When dataOnly is
// set (a BinXML value nested inside EventData or UserData) every leaf
// element is a data string.
func compile(root *node, dataOnly bool) *plan {
	p := &plan{}
	if dataOnly {
		for _, c := range root.children {
			collectLeaves(p, c)
		}
		return p
	}
	ev := root.child("Event")
	if ev == nil {
		for _, c := range root.children {
			collectLeaves(p, c)
		}
		return p
	}
	if sys := ev.child("System"); sys != nil {
		p.system = true
		for _, c := range sys.children {
			switch c.name {
			case "Provider":
				p.provider = c.attr("Name")
				p.sourceName = c.attr("EventSourceName")
			case "EventID":
				p.eventID = c.content
				p.qualifiers = c.attr("Qualifiers")
			case "Level":
				p.level = c.content
			case "Task":
				p.task = c.content
			case "Keywords":
				p.keywords = c.content
			case "TimeCreated":
				p.timeCreated = c.attr("SystemTime")
			case "EventRecordID":
				p.recordID = c.content
			case "Channel":
				p.channel = c.content
			case "Computer":
				p.computer = c.content
			case "Security":
				p.userID = c.attr("UserID")
			}
		}
	}
	// Event's own content: a BinXML substitution holding EventData or
	// UserData, as many manifest-based providers write it.
	for _, pt := range ev.content {
		if pt.sub >= 0 {
			p.data = append(p.data, item{f: field{pt}, container: true})
		}
	}
	for _, c := range ev.children {
		switch c.name {
		case "EventData", "UserData":
			collectLeaves(p, c)
		}
	}
	return p
}

// collectLeaves adds every leaf element below n (n included) as a data
// string, in document order. Binary blobs of classic events are not data
// strings.
func collectLeaves(p *plan, n *node) {
	if n.name == "Binary" {
		return
	}
	if n.name == "EventData" || n.name == "UserData" {
		if len(n.children) == 0 && len(n.content) > 0 {
			p.data = append(p.data, item{f: n.content, container: true})
		}
		for _, c := range n.children {
			collectLeaves(p, c)
		}
		return
	}
	if len(n.children) == 0 {
		p.data = append(p.data, item{f: n.content})
		return
	}
	for _, c := range n.children {
		collectLeaves(p, c)
	}
}

// parseTemplate parses the template definition at offset off of a chunk,
// once the walk checked it, and compiles its plan: directly from the bytes
// for the definitions Windows writes (directTree), else with golang-evtx,
// which panics on some malformed input; the panic becomes an error. shareable tells whether the
// parse stayed inside the definition, so that its plan may be cached under
// its key (keyer).
func parseTemplate(chunk []byte, off int, dataOnly bool) (p *plan, shareable bool, err error) {
	return parseTemplateVia(chunk, off, dataOnly, true)
}

// parseTemplateVia is parseTemplate; with direct unset, golang-evtx
// parses every definition (the tests compare the two).
func parseTemplateVia(chunk []byte, off int, dataOnly, direct bool) (p *plan, shareable bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, shareable, err = nil, false, fmt.Errorf("template at chunk offset %#x: %v", off, r)
		}
	}()
	w := newWalker(chunk)
	if _, err := w.definition(off, 0); err != nil {
		return nil, false, fmt.Errorf("template at chunk offset %#x: %w", off, err)
	}
	end := off + 24 + int(binary.LittleEndian.Uint32(chunk[off+20:]))
	if direct {
		if root, pend, ok := directTree(chunk, off); ok {
			return compile(root, dataOnly), !w.jumped && pend <= end, nil
		}
	}
	rd := &budgetReader{b: chunk, pos: int64(off)}
	var tdd evtx.TemplateDefinitionData
	if err := tdd.Parse(rd); err != nil {
		return nil, false, fmt.Errorf("template at chunk offset %#x: %w", off, err)
	}
	shareable = !w.jumped && int(rd.Size())-rd.Len() <= end
	return compile(buildTree(tdd.Elements), dataOnly), shareable, nil
}

// parseFragment parses BinXML that is not a template instance: an element
// tree with no substitutions, with or without a fragment header, at offset
// off and ending before end.
func parseFragment(chunk []byte, off, end int, dataOnly bool) (p *plan, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("BinXML at chunk offset %#x: %v", off, r)
		}
	}()
	if chunk[off] == tokFragmentHeader {
		off += 4
	}
	if off >= end {
		return nil, fmt.Errorf("BinXML at chunk offset %#x: no element", off)
	}
	w := newWalker(chunk[:end])
	w.open = true
	if _, err := w.tokens1(off, 0, false, true); err != nil {
		return nil, err
	}
	rd := &budgetReader{b: chunk[:end], pos: int64(off)}
	var elems []evtx.Element
	for rd.Len() > 0 {
		e, err := evtx.Parse(rd, nil, false)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("BinXML at chunk offset %#x: %w", off, err)
		}
		if _, ok := e.(*evtx.BinXMLEOF); ok || err == io.EOF {
			break
		}
		elems = append(elems, e)
	}
	if len(elems) == 0 {
		return nil, fmt.Errorf("BinXML at chunk offset %#x: no element", off)
	}
	return compile(buildTree(elems), dataOnly), nil
}

// directTree builds the element tree of the template definition at chunk
// offset off straight from the chunk's bytes, as golang-evtx would parse
// it, for the definitions Windows writes: elements, attributes, text,
// character and entity references and substitutions, with names in place
// or elsewhere in the chunk. It is called after the walk (walker) checked
// the definition. ok is false for anything else (a template instance or a
// fragment inside the definition, a text size golang-evtx reads as
// negative, more names read from elsewhere than could stay within
// budgetReader's budget, bytes past the chunk): parseTemplate then has
// golang-evtx parse it, as before. end is where the parse stopped.
func directTree(c []byte, off int) (root *node, end int, ok bool) {
	p := off + 24
	if p+4 > len(c) || c[p] != tokFragmentHeader {
		return nil, 0, false
	}
	p += 4
	root = &node{}
	stack := make([]*node, 1, 8)
	stack[0] = root
	// Names read from elsewhere: golang-evtx seeks there and back, and
	// reads them; budgetReader counts both.
	far, farBytes := 0, 0
	u16 := func(q int) int { return int(binary.LittleEndian.Uint16(c[q:])) }
	// name reads the name whose offset is at q; next is where the
	// parse goes on.
	name := func(q int) (s string, next int, ok bool) {
		if q+4 > len(c) {
			return "", 0, false
		}
		no := int(binary.LittleEndian.Uint32(c[q:]))
		next = q + 4
		if no < 0 || no > len(c)-8 {
			return "", 0, false
		}
		_, ne := nameSpan(no, u16(no+6))
		if ne > len(c) {
			return "", 0, false
		}
		if no == next {
			next = ne
		} else {
			far++
			farBytes += ne - no
		}
		return utf16Text(c[no+8 : ne]), next, true
	}
	// text reads a text value at q.
	text := func(q int) (s string, next int, ok bool) {
		if q+4 > len(c) || c[q+1] != typeString {
			return "", 0, false
		}
		n := u16(q + 2)
		if n >= 0x8000 || q+4+2*n > len(c) {
			return "", 0, false
		}
		return utf16Text(c[q+4 : q+4+2*n]), q + 4 + 2*n, true
	}
	// value reads content at q: text, a reference or a substitution.
	value := func(q int) (pt part, next int, ok bool) {
		switch c[q] {
		case tokValue, tokValue | tokMore:
			s, next, ok := text(q)
			return part{text: s, sub: -1}, next, ok
		case tokNormalSubst, tokOptionalSubs:
			if q+4 > len(c) {
				return part{}, 0, false
			}
			return part{sub: u16(q + 1), optional: c[q] == tokOptionalSubs}, q + 4, true
		case tokCharRef:
			if q+3 > len(c) {
				return part{}, 0, false
			}
			return part{text: string(rune(uint16(u16(q + 1)))), sub: -1}, q + 3, true
		case tokEntityRef, tokEntityRef | tokMore:
			s, next, ok := name(q + 1)
			return part{text: entityText(s), sub: -1}, next, ok
		}
		return part{}, 0, false
	}
	for tokens := 0; p < len(c) && tokens < maxWalkTokens/4; tokens++ {
		top := stack[len(stack)-1]
		switch t := c[p]; t {
		case tokEOF:
			if far > maxParseBack/4 || farBytes > maxParseRead/4 {
				return nil, 0, false
			}
			return root, p + 1, true
		case tokOpenStart, tokOpenStart | tokMore:
			// token, dependency id, size, name offset
			if p+11 > len(c) {
				return nil, 0, false
			}
			s, q, ok := name(p + 7)
			if !ok {
				return nil, 0, false
			}
			n := &node{name: s}
			if t&tokMore != 0 {
				q += 4 // the attribute list's size
				for {
					if q+5 > len(c) || (c[q] != tokAttribute && c[q] != tokAttribute|tokMore) {
						return nil, 0, false
					}
					last := c[q] == tokAttribute
					an, r, ok := name(q + 1)
					if !ok || r >= len(c) {
						return nil, 0, false
					}
					pt, r, ok := value(r)
					if !ok {
						return nil, 0, false
					}
					n.attrs = append(n.attrs, attr{name: an, val: field{pt}})
					q = r
					if last {
						break
					}
				}
			}
			if q >= len(c) || (c[q] != tokCloseStart && c[q] != tokCloseEmpty) {
				return nil, 0, false
			}
			top.children = append(top.children, n)
			stack = append(stack, n)
			p = q // the close token is read next, as a token of its own
		case tokCloseStart:
			p++
		case tokCloseEmpty, tokEndElement:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			p++
		case tokValue, tokValue | tokMore, tokNormalSubst, tokOptionalSubs, tokCharRef, tokEntityRef, tokEntityRef | tokMore:
			pt, q, ok := value(p)
			if !ok {
				return nil, 0, false
			}
			top.content = append(top.content, pt)
			p = q
		default:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// utf16Text is golang-evtx's UTF16String.ToString: the UTF-16LE bytes b
// decoded, trailing NULs dropped.
func utf16Text(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return strings.TrimRight(string(utf16.Decode(u)), "\u0000")
}

// entityText is golang-evtx's BinXMLEntityReference.String.
func entityText(name string) string {
	switch name {
	case "amp":
		return "&"
	case "lt":
		return "<"
	case "gt":
		return ">"
	case "quot":
		return "\""
	case "apos":
		return "'"
	}
	return ""
}
