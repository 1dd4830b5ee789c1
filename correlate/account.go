package correlate

import (
	"regexp"
	"strings"
)

// msolAccount matches the AD DS connector account the Entra Connect wizard
// creates (MSOL_ and twelve hex digits), with its domain when the text
// gives one ("CONTOSO\MSOL_6f2d1c9a8b3e").
var msolAccount = regexp.MustCompile(`(?:[A-Za-z0-9_.-]{1,64}\\)?MSOL_[0-9A-Fa-f]{12}\b`)

// connectorAccount returns the first connector account text names, or "".
func connectorAccount(text string) string {
	if !strings.Contains(text, "MSOL_") {
		return ""
	}
	return strings.Clone(msolAccount.FindString(text))
}
