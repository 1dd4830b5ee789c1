package correlate

import "testing"

func TestConnectorAccount(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`Get-ADUser failed for Contoso\MSOL_6f2d1c9a8b3e: ERROR_ACCESS_DENIED`, `Contoso\MSOL_6f2d1c9a8b3e`},
		{`account MSOL_A81C03E2F7D4 denied`, `MSOL_A81C03E2F7D4`},
		{`MSOL_xxxxxxxxxxxx placeholder`, ``},
		{`MSOL_6f2d1c9a8b3e7 (13 digits)`, ``},
		{`no account here`, ``},
	} {
		if got := connectorAccount(tc.text); got != tc.want {
			t.Errorf("connectorAccount(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
