// Package report renders a scan.Report: a text report for a person
// ([Text], laid out for a terminal's width), one self-contained HTML page
// to hand on ([HTML]: a timeline picture, the findings and every attempt,
// loading nothing from the network), one JSON document ([JSON]) or one JSON
// object per line ([NDJSON]) for machines, and the damage lines of a read
// ([Damage]). [Write] picks a writer by the name of its format.
//
// Every writer takes the Report and an io.Writer and writes nothing else:
//
//	rep, err := scan.Analyze(ctx, []string{"bundle.zip"}, scan.Options{})
//	if err != nil {
//		return err
//	}
//	return report.Text(os.Stdout, rep, report.TextOptions{Width: 100})
//
// docs/scan.md describes each output; docs/scan.schema.json is the one
// definition of the JSON.
package report
