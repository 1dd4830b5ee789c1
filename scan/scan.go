package main

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/evtxscan/evtxscan/catalog"
	"github.com/evtxscan/evtxscan/correlate"
	"github.com/evtxscan/evtxscan/parser"
)

// A scanReport is the analysis of one tenant's logs: what the scan command
// prints, and what the data lake stores.
type scanReport struct {
	Schema   string                       `json:"schema"`
	Tenant   string                       `json:"tenant"`
	Verdict  string                       `json:"verdict"`
	Inputs   []fileSummary                `json:"inputs"`
	Skipped  []skippedEntry               `json:"skipped"`
	Errors   []string                     `json:"errors"`
	Attempts []correlate.Attempt          `json:"attempts"`
	Findings []correlate.Finding          `json:"findings"`
	Service  map[string]correlate.Service `json:"service"` // by tenant
	Counts   correlate.Counts             `json:"counts"`
	Unjoined []correlate.AttemptEvent     `json:"unjoined_6329"`
	Damage   []correlate.Damage           `json:"damage"`

	read *readResult
}

// scanSchema names the version of the JSON document (docs/scan.schema.json).
const scanSchema = "evtxscan-scan/1"

type skippedEntry struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// tenantName is the default tenant: the first input's base name without
// its extension.
func tenantName(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	base := filepath.Base(filepath.Clean(paths[0]))
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// analyze reads the inputs of one tenant and correlates their events. Every
// event kept is also passed to each, when not nil (the lake's events table).
func analyze(ctx context.Context, paths []string, tenant string, rf readFlags, cat *catalog.Catalog, each func(*parser.Event) error) (*scanReport, error) {
	c := correlate.New(correlate.Config{Tenant: tenant, Catalog: cat})
	res, err := readInputs(ctx, paths, rf, func(ev *parser.Event) error {
		c.Add(ev)
		if each != nil {
			return each(ev)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range res.Files {
		f := &res.Files[i]
		c.NoteSpan(f.first, f.last)
		for chunk, sp := range f.damageSpans() {
			c.NoteDamage(f.Path, chunk, sp[0], sp[1])
		}
		if f.Error != "" {
			// Read up to a failure: whatever followed is unknown.
			c.NoteDamage(f.Path, f.Chunks, f.last, f.last)
		}
	}
	r := c.Finish()
	rep := &scanReport{
		Schema:   scanSchema,
		Tenant:   tenant,
		Inputs:   res.Files,
		Skipped:  []skippedEntry{},
		Errors:   []string{},
		Attempts: r.Attempts,
		Findings: r.Findings,
		Service:  map[string]correlate.Service{tenant: r.Service},
		Counts:   r.Counts,
		Unjoined: r.Unjoined,
		Damage:   r.Damage,
		read:     res,
	}
	if rep.Inputs == nil {
		rep.Inputs = []fileSummary{}
	}
	for _, s := range res.Skipped {
		rep.Skipped = append(rep.Skipped, skippedEntry{s.Path, s.Reason})
	}
	for _, e := range res.Errors {
		rep.Errors = append(rep.Errors, e.Error())
	}
	rep.Verdict = verdict(rep)
	return rep, nil
}
