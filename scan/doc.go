// Package scan is evtxscan's analysis as a library: inputs in (.evtx files,
// folders, nested zips), a Report out.
//
// [Analyze] reads every EVTX stream of the inputs (package input finds them,
// package parser decodes them), feeds the events to the correlator of their
// server (package correlate) and returns a [Report]: the tenants and their
// servers, and for each server its password writeback attempts, the health
// of the writeback service, the findings with their evidence and
// remediation, and the damage of every input. [Read] is the reading step
// alone, for callers that want the events (the dump command).
//
//	rep, err := scan.Analyze(ctx, []string{"bundle.zip"}, scan.Options{})
//	if rep == nil {
//		return err // the inputs could not be walked
//	}
//	if rep.Interrupted != nil {
//		// ctx ended (err is ctx.Err()): rep is of what was read
//	}
//	fmt.Println(rep.Verdict)
//
// When ctx ends during the read (a signal), Analyze stops within a record
// and returns the Report of what was read up to then together with
// ctx.Err(): [Report.Interrupted] names the inputs read, read in part and
// not read, and counts the records read. Any other error comes with a nil
// Report.
//
// Package report renders a Report as text, JSON and NDJSON; package lake
// writes it as Parquet tables.
package scan
