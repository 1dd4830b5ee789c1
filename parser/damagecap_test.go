package parser

import (
	"testing"

	"github.com/evtxscan/evtxscan/internal/evtxwriter"
)

// A file with more problems than MaxDamage keeps the first MaxDamage and
// counts the rest.
func TestDamageCapped(t *testing.T) {
	b := writeLog(t, evtxwriter.Options{}, manyRecords(3000))
	n := (len(b) - HeaderBlockSize) / ChunkSize
	// Every other record undecodable (its fragment header overwritten):
	// a problem each.
	for i := range n {
		c := chunkAt(b, i)
		for j, off := range recordStarts(c) {
			if j%2 == 1 {
				c[off+recordHeaderSize] = 0
			}
		}
	}
	for _, workers := range []int{1, 2} {
		_, st, err := readBytes(t, b, workers, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Damage) != MaxDamage || st.MoreDamage == 0 {
			t.Errorf("workers %d: %d problems kept, %d more; want %d kept", workers, len(st.Damage), st.MoreDamage, MaxDamage)
		}
		if st.Skipped == 0 {
			t.Errorf("workers %d: nothing skipped", workers)
		}
	}
}
