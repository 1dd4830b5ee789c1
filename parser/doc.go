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
// records that validate are read (past a free space offset the failed
// records checksum shows to be stale, as libyal reads them); a broken
// record is skipped up to the next valid one; a truncated file is read up
// to the cut, and a clean header that counts more chunks than the file
// holds is reported with the missing range. Each problem is a *ParseError
// in Stats.Damage naming the file, chunk and byte offset; past MaxDamage
// of them per file the rest are counted in Stats.MoreDamage.
//
// Hostile input. No file can make a Reader crash, hang or run out of
// memory. Before a template definition or an element tree is compiled
// (by this package for the definitions Windows writes, else by
// golang-evtx), its BinXML tokens are walked here with a budget (nesting depth,
// template instances that refer to their own definition or to one that
// does not lie before them, names and values inside the chunk), and
// golang-evtx reads through a reader that fails once it has read or
// sought more than any definition needs; the data strings a record expands
// to are bounded too (nested BinXML values referred to many times). A
// record over a budget is skipped, and its ParseError wraps ErrBudget. A
// read error of the input (an inflater's io.ErrUnexpectedEOF for a
// stream cut short included) ends Read with a *ParseError after the events
// read before it, with any number of workers. Close, from any goroutine,
// or the end of Reader.Context stops a Reader within a record.
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
