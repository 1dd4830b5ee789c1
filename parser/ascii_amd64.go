//go:build amd64 && !purego

package parser

// asciiRun writes to dst the leading characters of src (little-endian
// UTF-16) that a JSON string holds as they are, printable ASCII other than
// a quote or backslash, and the two-byte escapes of those that have one
// (a quote, a backslash, \b, \f, \n, \r, \t). It returns the bytes written
// and the bytes of src read. It stops at any other character (a NUL
// included), or where dst or src run short (of eight characters, four in
// asciiRunGeneric, or of an escape): the caller goes on with the rest. It
// may write dst past what it returns, up to eight bytes.
//
// In assembly with SSE2 (which every amd64 processor has), eight
// characters at a time: the text of the PowerShell samples' script blocks
// is most of what dump --all writes for them.
//
//go:noescape
func asciiRun(dst, src []byte) (nd, ns int)
