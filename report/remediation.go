package report

import (
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

// factsOf gathers the facts of one server from its service.
func factsOf(svc correlate.Service) facts {
	var f facts
	if len(svc.Relays) > 0 {
		f.Relay = svc.Relays[0]
		f.Namespace, _, _ = strings.Cut(f.Relay, ".")
	}
	if len(svc.ConnectorAccounts) > 0 {
		f.Account = svc.ConnectorAccounts[0]
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
