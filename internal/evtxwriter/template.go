package evtxwriter

import (
	"encoding/binary"
	"unicode/utf16"
)

const eventNamespace = "http://schemas.microsoft.com/win/2004/08/events/event"

const noDependency = 0xffff

// NameHash returns the hash Windows stores with a name in a chunk's string
// table: hash = hash*65599 + c over the UTF-16 code units c of the name. The
// string table bucket of the name is NameHash(name) % 64; the file keeps the
// low 16 bits.
func NameHash(name string) uint32 {
	var h uint32
	for _, r := range name {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			h = h*65599 + uint32(r1)
			h = h*65599 + uint32(r2)
			continue
		}
		h = h*65599 + uint32(r)
	}
	return h
}

// tplBuilder builds a template definition fragment. Offsets of names stored
// inline are chunk offsets: base is the chunk offset of frag[0].
type tplBuilder struct {
	w     *Writer
	frag  []byte
	base  int
	stack []int // positions of element data size fields
}

func (b *tplBuilder) u16(v uint16) { b.frag = binary.LittleEndian.AppendUint16(b.frag, v) }
func (b *tplBuilder) u32(v uint32) { b.frag = binary.LittleEndian.AppendUint32(b.frag, v) }

// name appends a name offset, and the name itself when it is new in the
// chunk (it is then stored right after the offset and enters the string
// table).
func (b *tplBuilder) name(n string) {
	w := b.w
	if off, ok := w.names[n]; ok {
		b.u32(off)
		return
	}
	off := uint32(b.base + len(b.frag) + 4)
	b.u32(off)
	h := NameHash(n)
	bucket := h % 64
	b.u32(w.strBuckets[bucket]) // next string in the bucket
	b.u16(uint16(h))
	b.u16(uint16(utf16Len(n)))
	b.frag = appendUTF16(b.frag, n)
	b.u16(0)
	w.strBuckets[bucket] = off
	w.names[n] = off
	w.undo = append(w.undo, n)
}

// open starts an element; attrs tells whether an attribute list follows.
func (b *tplBuilder) open(n string, dep uint16, attrs bool) {
	tok := byte(tokOpenStart)
	if attrs {
		tok = tokOpenStartAttr
	}
	b.frag = append(b.frag, tok)
	b.u16(dep)
	b.stack = append(b.stack, len(b.frag))
	b.u32(0) // data size, patched by close
	b.name(n)
	if attrs {
		b.stack = append(b.stack, len(b.frag))
		b.u32(0) // attribute list size, patched by endAttrs
	}
}

// attr starts an attribute; its value follows (text or substitution).
func (b *tplBuilder) attr(n string, last bool) {
	if last {
		b.frag = append(b.frag, tokAttr)
	} else {
		b.frag = append(b.frag, tokAttrMore)
	}
	b.name(n)
}

func (b *tplBuilder) endAttrs() {
	at := b.stack[len(b.stack)-1]
	b.stack = b.stack[:len(b.stack)-1]
	binary.LittleEndian.PutUint32(b.frag[at:], uint32(len(b.frag)-at-4))
}

func (b *tplBuilder) text(s string) {
	b.frag = append(b.frag, tokValue, typeString)
	b.u16(uint16(utf16Len(s)))
	b.frag = appendUTF16(b.frag, s)
}

func (b *tplBuilder) subst(optional bool, index uint16, typ byte) {
	if optional {
		b.frag = append(b.frag, tokOptionalSubst)
	} else {
		b.frag = append(b.frag, tokNormalSubst)
	}
	b.u16(index)
	b.frag = append(b.frag, typ)
}

// closeStart ends the start tag of an element with content.
func (b *tplBuilder) closeStart() { b.frag = append(b.frag, tokCloseStart) }

// end ends an element with content; empty ends an element without.
func (b *tplBuilder) end()   { b.frag = append(b.frag, tokEnd); b.pop() }
func (b *tplBuilder) empty() { b.frag = append(b.frag, tokCloseEmpty); b.pop() }

func (b *tplBuilder) pop() {
	at := b.stack[len(b.stack)-1]
	b.stack = b.stack[:len(b.stack)-1]
	binary.LittleEndian.PutUint32(b.frag[at:], uint32(len(b.frag)-at-4))
}

// leaf writes <n>%index</n> with a substitution as content.
func (b *tplBuilder) leaf(n string, optional bool, index uint16, typ byte) {
	dep := uint16(noDependency)
	if optional {
		dep = index
	}
	b.open(n, dep, false)
	b.closeStart()
	b.subst(optional, index, typ)
	b.end()
}

// leafText writes <n>text</n>.
func (b *tplBuilder) leafText(n, text string) {
	b.open(n, noDependency, false)
	b.closeStart()
	b.text(text)
	b.end()
}

// buildTemplate appends to frag the template definition fragment for key,
// whose first byte will be at chunk offset base.
func (w *Writer) buildTemplate(frag []byte, key templateKey, provider, channel, computer string, base int) []byte {
	b := tplBuilder{w: w, frag: frag, base: base, stack: w.tplStack[:0]}
	b.frag = append(b.frag, 0x0f, 0x01, 0x01, 0x00)

	b.open("Event", noDependency, true)
	b.attr("xmlns", true)
	b.text(eventNamespace)
	b.endAttrs()
	b.closeStart()

	b.open("System", noDependency, false)
	b.closeStart()

	b.open("Provider", noDependency, true)
	b.attr("Name", true)
	if w.opts.ProviderSubstitution {
		b.subst(false, subProvider, typeString)
	} else {
		b.text(provider)
	}
	b.endAttrs()
	b.empty()

	b.open("EventID", noDependency, true)
	b.attr("Qualifiers", true)
	b.subst(true, subQualifiers, typeUInt16)
	b.endAttrs()
	b.closeStart()
	b.subst(false, subEventID, typeUInt16)
	b.end()

	b.leaf("Level", true, subLevel, typeUInt8)
	b.leaf("Task", true, subTask, typeUInt16)
	b.leaf("Keywords", true, subKeywords, typeHexInt64)

	b.open("TimeCreated", noDependency, true)
	b.attr("SystemTime", true)
	b.subst(false, subTime, typeFileTime)
	b.endAttrs()
	b.empty()

	b.leaf("EventRecordID", false, subRecordID, typeUInt64)
	b.leafText("Channel", channel)
	b.leafText("Computer", computer)

	b.open("Security", noDependency, true)
	b.attr("UserID", true)
	b.subst(true, subUserID, typeSID)
	b.endAttrs()
	b.empty()

	b.end() // System

	first := uint16(subUserID + 1)
	if w.opts.ProviderSubstitution {
		first++
	}
	b.open("EventData", noDependency, false)
	b.closeStart()
	if key.ndata < 0 {
		b.open("Data", noDependency, false)
		b.closeStart()
		b.subst(true, first, typeStrArray)
		b.end()
	} else {
		for i := 0; i < key.ndata; i++ {
			b.open("Data", noDependency, false)
			b.closeStart()
			b.subst(true, first+uint16(i), typeString)
			b.end()
		}
	}
	b.end() // EventData

	b.end() // Event
	b.frag = append(b.frag, tokEOF)
	w.tplStack = b.stack[:0]
	return b.frag
}
