// Package report renders a scan.Report: a text report for a person
// ([Text]), one JSON document ([JSON]) or one JSON object per line
// ([NDJSON]) for machines, and the damage lines of a read ([Damage]).
//
// Every writer takes the Report and an io.Writer and writes nothing else:
//
//	rep, err := scan.Analyze(ctx, []string{"bundle.zip"}, scan.Options{})
//	if err != nil {
//		return err
//	}
//	return report.Text(os.Stdout, rep, report.TextOptions{})
package report
