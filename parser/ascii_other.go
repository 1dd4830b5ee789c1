//go:build !amd64 || purego

package parser

// asciiRun: see ascii_amd64.go.
func asciiRun(dst, src []byte) (nd, ns int) { return asciiRunGeneric(dst, src) }
