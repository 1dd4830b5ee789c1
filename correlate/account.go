package correlate

import (
	"regexp"
	"strings"
	"sync"
)

// msolAccount matches the AD DS connector account the Entra Connect wizard
// creates (MSOL_ and twelve hex digits), with its domain when the text
// gives one ("CONTOSO\MSOL_6f2d1c9a8b3e"). It is compiled when first
// needed, not when the program starts: every run of evtxscan would pay
// for it (its 64-fold repetition makes a large program), dump included.
var msolAccount = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:[A-Za-z0-9_.-]{1,64}\\)?MSOL_[0-9A-Fa-f]{12}\b`)
})

// connectorAccount returns the first connector account text names, or "".
func connectorAccount(text string) string {
	if !strings.Contains(text, "MSOL_") {
		return ""
	}
	return strings.Clone(msolAccount().FindString(text))
}
