package parser

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"time"
)

// Names of the fan-out chunk, in the header's string table area.
const (
	nameEvent     = 0x100
	nameEventData = 0x140
	nameData      = 0x180
)

// fanoutChunk makes a chunk with one record whose single data value is a
// BinXML value nested levels deep: each level is an instance of one template
// with fan <Data> elements that all refer to the level below, the last
// level a string "x". The record is small (levels × fan × 12 bytes) and
// expands to fan^levels strings.
func fanoutChunk(t testing.TB, fan, levels int) []byte {
	t.Helper()
	c := make([]byte, ChunkSize)
	copy(c, chunkMagic)
	binary.LittleEndian.PutUint32(c[40:], 128)
	copy(c[nameEvent:], nameBytes("Event"))
	copy(c[nameEventData:], nameBytes("EventData"))
	copy(c[nameData:], nameBytes("Data"))

	def := func(b []byte, root []tplElem) []byte {
		b = le32(b, 0)
		b = append(b, "0123456789abcdef"...)
		sizeAt := len(b)
		b = le32(b, 0)
		start := len(b)
		b = append(b, 0x0f, 0x01, 0x01, 0x00)
		for _, e := range root {
			b = appendElem(b, 0, e)
		}
		b = append(b, 0x00)
		binary.LittleEndian.PutUint32(b[sizeAt:], uint32(len(b)-start))
		return b
	}
	rec := chunkHeaderSize
	p := rec + recordHeaderSize
	top := []byte{0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01}
	top = le32(top, 1)
	top = le32(top, uint32(p+len(top)+4))
	top = def(top, []tplElem{{nameOff: nameEvent, sub: -1, children: []tplElem{
		{nameOff: nameEventData, sub: -1, children: []tplElem{{nameOff: nameData, sub: 0, subType: typeBinXML}}},
	}}})
	// Level 1 starts after the value count and descriptor.
	lv1 := p + len(top) + 8
	tpl := lv1 + 10 // the fan-out template, defined in place in level 1
	var leaves []tplElem
	for range fan {
		leaves = append(leaves, tplElem{nameOff: nameData, sub: 0, subType: typeBinXML})
	}
	inner := le32([]byte{0x0c, 0x01, 2, 0, 0, 0}, uint32(tpl))
	inner = le32(inner, 1)
	inner = le16(inner, 2)
	inner = append(inner, typeString, 0)
	inner = append(inner, 'x', 0)
	for l := levels - 1; l >= 2; l-- {
		b := le32([]byte{0x0c, 0x01, 2, 0, 0, 0}, uint32(tpl))
		b = le32(b, 1)
		b = le16(b, uint16(len(inner)))
		b = append(b, typeBinXML, 0)
		inner = append(b, inner...)
	}
	l1 := le32([]byte{0x0c, 0x01, 2, 0, 0, 0}, uint32(tpl))
	l1 = def(l1, leaves)
	l1 = le32(l1, 1)
	l1 = le16(l1, uint16(len(inner)))
	l1 = append(l1, typeBinXML, 0)
	l1 = append(l1, inner...)
	b := le32(top, 1)
	b = le16(b, uint16(len(l1)))
	b = append(b, typeBinXML, 0)
	b = append(b, l1...)

	r := append([]byte("**\x00\x00"), 0, 0, 0, 0)
	r = le64(r, 1)
	r = le64(r, 133500000000000000)
	r = append(r, b...)
	r = le32(r, 0)
	binary.LittleEndian.PutUint32(r[4:], uint32(len(r)))
	binary.LittleEndian.PutUint32(r[len(r)-4:], uint32(len(r)))
	if rec+len(r) > ChunkSize {
		t.Fatalf("fan-out record of %d bytes does not fit", len(r))
	}
	copy(c[rec:], r)
	free := rec + len(r)
	binary.LittleEndian.PutUint64(c[8:], 1)  // first record number
	binary.LittleEndian.PutUint64(c[16:], 1) // last record number
	binary.LittleEndian.PutUint64(c[24:], 1)
	binary.LittleEndian.PutUint64(c[32:], 1)
	binary.LittleEndian.PutUint32(c[44:], uint32(rec))
	binary.LittleEndian.PutUint32(c[48:], uint32(free))
	binary.LittleEndian.PutUint32(c[52:], crc32.ChecksumIEEE(c[chunkHeaderSize:free]))
	binary.LittleEndian.PutUint32(c[124:], chunkHeaderCRC(c))
	return c
}

// fileOf wraps chunks in a clean file header.
func fileOf(chunks ...[]byte) []byte {
	h := make([]byte, HeaderBlockSize)
	copy(h, fileMagic)
	le := binary.LittleEndian
	le.PutUint64(h[16:], uint64(len(chunks)-1))
	le.PutUint64(h[24:], 2)
	le.PutUint32(h[32:], 128)
	le.PutUint16(h[36:], 1)
	le.PutUint16(h[38:], 3)
	le.PutUint16(h[40:], HeaderBlockSize)
	le.PutUint16(h[42:], uint16(len(chunks)))
	le.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	return append(h, bytes.Join(chunks, nil)...)
}

// A nested value of modest fan-out is read whole; one that expands past
// the record budget is refused, quickly and in bounded memory.
func TestFanoutBudget(t *testing.T) {
	evs, st, err := readBytes(t, fileOf(fanoutChunk(t, 2, 8)), 1, nil)
	if err != nil || len(evs) != 1 || st.Skipped != 0 {
		t.Fatalf("fan 2, 8 levels: %d events, %+v, %v", len(evs), st, err)
	}
	if n := len(evs[0].Data); n != 1<<8 {
		t.Errorf("fan 2: %d data strings, want %d", n, 1<<8)
	}
	for _, fan := range []int{8, 16} {
		b := fileOf(fanoutChunk(t, fan, 8))
		for _, workers := range []int{1, 2} {
			res := readInChild(t, b, workers, 60*time.Second)
			if res.Err != "" || res.Records != 1 || res.Skipped != 1 || res.Events != 0 {
				t.Fatalf("fan %d, workers %d: %+v", fan, workers, res)
			}
			if len(res.Damage) != 1 || !strings.Contains(res.Damage[0], ErrBudget.Error()) {
				t.Errorf("fan %d: damage %q, want the budget named", fan, res.Damage)
			}
			if res.MaxRSS > 256<<20 {
				t.Errorf("fan %d, workers %d: peak RSS %d MiB", fan, workers, res.MaxRSS>>20)
			}
			t.Logf("fan %d, %d bytes, workers %d: %v, peak RSS %d MiB", fan, len(b), workers, res.Elapsed, res.MaxRSS>>20)
		}
	}
}

func TestFanoutDecoderError(t *testing.T) {
	d := newChunkDecoder(&decodeOptions{})
	res := d.decodeChunk(fanoutChunk(t, 8, 8), 0, HeaderBlockSize, true, false, slot{})
	if res.skipped != 1 || len(res.damage) != 1 || !errors.Is(res.damage[0], ErrBudget) || !errors.Is(res.damage[0], ErrUndecodable) {
		t.Fatalf("skipped %d, damage %v", res.skipped, res.damage)
	}
}
