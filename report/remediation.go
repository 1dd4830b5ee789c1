package report

import (
	"regexp"
	"strings"

	"github.com/evtxscan/evtxscan/correlate"
)

// facts are values the log holds that the catalog's remediation steps
// leave as placeholders.
type facts struct {
	Namespace string // Service Bus relay namespace, "ssprdedicatedsbprodscu"
	Relay     string // its host name
	Account   string // AD DS connector account, "CONTOSO\MSOL_6f2d1c9a8b3e"
}

// msolAccount matches the AD DS connector account Entra Connect creates,
// with its domain when the text gives one.
var msolAccount = regexp.MustCompile(`(?:[A-Za-z0-9_.-]{1,64}\\)?MSOL_[0-9A-Fa-f]{12}`)

// factsOf gathers the facts of one server from its service and the texts
// of its attempts.
func factsOf(svc correlate.Service, atts []correlate.Attempt) facts {
	var f facts
	if len(svc.Relays) > 0 {
		f.Relay = svc.Relays[0]
		f.Namespace, _, _ = strings.Cut(f.Relay, ".")
	}
	look := func(s string) bool {
		if m := msolAccount.FindString(s); m != "" {
			f.Account = m
			return true
		}
		return false
	}
	for _, e := range svc.Errors {
		if look(e.Message) {
			return f
		}
	}
	for _, a := range atts {
		for _, e := range a.Events {
			if e.EventID == 6329 && look(e.Message) {
				return f
			}
		}
	}
	return f
}

// fill puts the facts into one remediation step: the relay namespace for
// "<namespace>" and the connector account for "MSOL_xxxxxxxxxxxx".
func (f facts) fill(step string) string {
	if f.Namespace != "" {
		step = strings.ReplaceAll(step, "<namespace>", f.Namespace)
	}
	if f.Account != "" {
		step = strings.ReplaceAll(step, "MSOL_xxxxxxxxxxxx", f.Account)
	}
	return step
}
