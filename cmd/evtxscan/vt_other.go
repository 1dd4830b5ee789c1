//go:build !windows

package main

import "io"

// enableVT reports whether w takes ANSI escape sequences; every terminal
// outside Windows does.
func enableVT(io.Writer) bool { return true }
