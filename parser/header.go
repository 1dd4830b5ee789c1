package parser

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// File header flags.
const (
	FlagDirty = 0x1 // the file was not closed cleanly; header counts may be stale
	FlagFull  = 0x2 // the log reached its maximum size
)

// A FileHeader is the header at the start of an EVTX file.
type FileHeader struct {
	FirstChunk   uint64
	LastChunk    uint64
	NextRecordID uint64
	HeaderSize   uint32
	MinorVersion uint16
	MajorVersion uint16
	BlockSize    uint16 // size of the header block, 4096
	ChunkCount   uint16
	Flags        uint32
	Checksum     uint32
	ChecksumOK   bool
}

// Dirty reports whether the file header is flagged dirty.
func (h *FileHeader) Dirty() bool { return h.Flags&FlagDirty != 0 }

var fileMagic = []byte("ElfFile\x00")

// parseFileHeader reads the first 128 bytes of a file.
func parseFileHeader(b []byte) (FileHeader, bool) {
	if len(b) < 128 || !bytes.Equal(b[:8], fileMagic) {
		return FileHeader{}, false
	}
	le := binary.LittleEndian
	h := FileHeader{
		FirstChunk:   le.Uint64(b[8:]),
		LastChunk:    le.Uint64(b[16:]),
		NextRecordID: le.Uint64(b[24:]),
		HeaderSize:   le.Uint32(b[32:]),
		MinorVersion: le.Uint16(b[36:]),
		MajorVersion: le.Uint16(b[38:]),
		BlockSize:    le.Uint16(b[40:]),
		ChunkCount:   le.Uint16(b[42:]),
		Flags:        le.Uint32(b[120:]),
		Checksum:     le.Uint32(b[124:]),
	}
	h.ChecksumOK = crc32.ChecksumIEEE(b[:120]) == h.Checksum
	return h, true
}
