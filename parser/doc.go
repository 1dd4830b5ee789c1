// Package parser reads the events of Windows XML Event Log (EVTX) files.
//
// A Reader streams an EVTX file from any io.Reader — a file, a zip entry —
// that need not seek: the 4 KiB file header, then the 64 KiB chunks one
// after another. Memory is bounded by the chunks in flight (one batch of 16
// chunks per worker), never by the size of the file.
//
//	r := parser.NewReader(f)
//	r.Path = "Application.evtx"
//	r.Keep = parser.Providers("ADSync") // decide by provider before decoding the rest
//	defer r.Close()
//	for {
//		ev, err := r.Read()
//		if err == io.EOF {
//			break
//		}
//		if err != nil {
//			return err // not EVTX, or the input failed
//		}
//		use(ev)
//	}
//	st := r.Stats() // records, skipped, filtered, damage
//
// A run over many files shares one Pool: its decoding goroutines, batch
// buffers and template plans serve every Reader whose Pool field is set, so
// that a small file costs neither goroutines nor template compilation:
//
//	pool := parser.NewPool(2)
//	defer pool.Close()
//	for _, f := range files {
//		r := parser.NewReader(f)
//		r.Pool = pool
//		// ... Read to the end, then r.Close()
//	}
//
// The decoders can do per-event work of the consumer: with NDJSON set they
// write each event's NDJSON line (Event.JSON), and Prepare runs a function
// of the consumer's on each event (Event.Prepared).
//
// Damage does not stop a Reader. A dirty file is read past its header's
// chunk count; a chunk with a bad magic or checksum is reported and its
// records that validate are read; a broken record is skipped up to the next
// valid one; a truncated file is read up to the cut. Each problem is a
// *ParseError in Stats.Damage naming the file, chunk and byte offset.
//
// BinXML template definitions are parsed with github.com/0xrawsec/golang-evtx
// (its chunk-level API, under recover, since it panics on malformed input),
// once per distinct template of a file; the substitution values of every
// record are decoded here, from their bytes, which fixes the values
// golang-evtx gets wrong (empty strings, SizeT, booleans, ANSI strings,
// string arrays). golang-evtx also writes its parse failures to the
// standard library's logger; a program that does not want them there can
// call log.SetOutput(io.Discard), as evtxscan does: the same failures reach
// Stats.Damage.
package parser
