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
//	if err != nil {
//		return err // the inputs could not be walked, or ctx ended
//	}
//	fmt.Println(rep.Verdict)
//
// Package report renders a Report as text, JSON and NDJSON; package lake
// writes it as Parquet tables.
package scan
