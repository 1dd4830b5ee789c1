//go:build race

package parser

// raceDetector tells tests that the race detector is on: code runs many
// times slower, so the slowest cross-checks sample their input.
const raceDetector = true
