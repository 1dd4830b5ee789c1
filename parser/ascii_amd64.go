//go:build amd64 && !purego

package parser

// asciiRun writes to dst the low bytes of the leading characters of src
// (little-endian UTF-16) that are printable ASCII other than a quote or
// backslash, the characters a JSON string holds as they are, and returns
// how many it wrote. It may stop before the first character that is not,
// where dst or src run short of a block (eight characters here, four in
// asciiRunGeneric): the caller goes on with the rest. It may write dst
// past what it returns, up to a block.
//
// In assembly with SSE2 (which every amd64 processor has), eight
// characters at a time: the text of the PowerShell samples' script blocks
// is most of what dump --all writes for them.
//
//go:noescape
func asciiRun(dst, src []byte) int
