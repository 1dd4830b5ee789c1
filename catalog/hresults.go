package catalog

// hresultTable returns the HRESULTs seen with writeback, in no particular
// order; New sorts them. A Text beginning with "..." is only partly known.
func hresultTable() []HResult {
	t := []HResult{
		{
			Code: 0x80230405,
			Text: "The operation failed because the object cannot be found",
			Meaning: "The sync engine could not follow the links from the Entra connector " +
				"object through the metaverse to an AD object in scope of a password sync " +
				"rule. With \"No password writeback targets found\" in a 6329 the rule " +
				"(In from AD - User AccountEnabled, Enable Password Sync) is the usual " +
				"reason (a published field case); otherwise the user was deleted or is not joined.",
			Causes: []string{"sync-rule-password-sync-missing", "user-not-found"},
		},
		{
			Code: 0x80230626,
			Text: "The password could not be updated because the management agent " +
				"credentials were denied access.",
			Meaning: "The AD DS connector account was refused: it lacks Reset password " +
				"on the user, the user is protected (adminCount=1), the account has " +
				"\"User cannot change password\", or the policy restricting remote SAM " +
				"calls blocks it.",
			Causes: []string{"restrict-remote-sam", "protected-account", "ad-permissions"},
		},
		{
			Code: 0x80230619,
			Text: "A restriction prevents the password from being changed to the current " +
				"one specified.",
			Meaning: "The domain password policy refused the password (minimum age, " +
				"history, complexity, password filter), or PASSWD_CANT_CHANGE is set.",
			Causes: []string{"password-policy"},
		},
		{
			Code: 0x8023061F,
			Text: "The operation failed because password synchronization is not enabled " +
				"on this Management Agent",
			Meaning: "The AD connector has no password settings for writeback: the forest " +
				"was added after writeback was enabled.",
			Causes: []string{"password-sync-not-enabled-on-ma"},
		},
		{
			Code: 0x80230402,
			Text: "An attempt to get an object failed because there are duplicated " +
				"entries with the same anchor.",
			Meaning: "Two on-premises users share the cloud anchor: the same person is " +
				"enabled in several forests or domains, or the anchor attribute is not " +
				"unique. Microsoft's troubleshooting page prints this code as \"HR 8023042\".",
			Causes: []string{"multiple-matches"},
		},
		{
			Code: 0x80230818,
			Text: "...a domain controller could not be contacted",
			Meaning: "No domain controller of the user's domain answered, often because " +
				"the connector resolves DCs by NetBIOS name; set FQDN preferred DCs.",
			Causes: []string{"dc-unreachable"},
		},
		{
			Code: 0x8023062C,
			Text: "...not configured for insecure setting of passwords, or a 128 bit TLS " +
				"or SSL connection is required",
			Meaning: "The domain controller refuses to set a password over an unsigned, " +
				"unencrypted LDAP session; the AD connector must sign and encrypt.",
			Causes: []string{"ldaps-required"},
		},
		{
			Code: 0x800700CE,
			Text: "The filename or extension is too long",
			Meaning: "The password of the AD DS connector account is longer than 256 " +
				"characters.",
			Causes: []string{"adma-password-too-long"},
		},
		{
			Code: 0x80005000,
			Text: "",
			Meaning: "ADSI could not use the user's path (invalid DN); with a 33001 the " +
				"DN contains a character reserved for writeback.",
			Causes: []string{"dn-reserved-characters"},
		},
		{
			Code: 0x80070005,
			Text: "Access is denied.",
			Meaning: "Windows refused the connector account; in a 6329 \"Failed to " +
				"acquire user information\" it is the remote SAM policy, elsewhere " +
				"missing AD permissions. Also logged as ERROR_ACCESS_DENIED.",
			Causes: []string{"restrict-remote-sam", "ad-permissions"},
		},
		{
			Code: 0x800706BA,
			Text: "The RPC server is unavailable.",
			Meaning: "A domain controller could not be reached over RPC (Win32 error " +
				"1722, logged as 0x6ba in the 6329 trace).",
			Causes: []string{"dc-unreachable"},
		},
		{
			Code: 0x80004005,
			Text: "Unspecified error",
			Meaning: "A generic failure; the trace lines before it in the same 6329 " +
				"(for instance 0x6ba) tell the real error.",
			Causes: []string{"ad-unknown"},
		},
		{
			Code: 0x800700B7,
			Text: "Cannot create a file when that file already exists.",
			Meaning: "A benign trace line (dnutils.cpp) that the engine logs in many " +
				"6329 events; not a cause by itself.",
			Causes: []string{},
		},
		{
			Code: 0x80070002,
			Text: "The system cannot find the file specified.",
			Meaning: "ERROR_FILE_NOT_FOUND in its HRESULT form: a file, registry value " +
				"or key the component looked for does not exist. Beside writeback it " +
				"points to a missing configuration file or a damaged installation; the " +
				"event text names what was looked for.",
			Causes: []string{},
		},
		{
			Code: 0x80090324,
			Text: "The clocks on the client and server machines are skewed.",
			Meaning: "SEC_E_TIME_SKEW: authentication failed because the server's clock " +
				"differs too much from the other side's. Tokens for Entra ID and Service " +
				"Bus are refused too, so writeback cannot connect.",
			Causes: []string{"clock-skew"},
		},
	}
	for i := range t {
		t[i].Symbol, t[i].Source = hresultFacts(t[i].Code)
	}
	return t
}

// hresultFacts returns the symbolic name of code and the public source of
// what the table says of it, by title.
func hresultFacts(code uint32) (symbol, source string) {
	const (
		sysErrors = "System Error Codes (Microsoft Learn)"
		comErrors = "COM Error Codes (Microsoft Learn)"
		sspr0029  = "Troubleshoot error SSPR_0029: Your organization hasn't properly set up the on-premises configuration for password reset (Microsoft Learn)"
	)
	switch code {
	case 0x80070005:
		return "ERROR_ACCESS_DENIED", sysErrors + "; " + sspr0029 + "; " + titleTroubleshoot
	case 0x80070002:
		return "ERROR_FILE_NOT_FOUND", sysErrors
	case 0x800706BA:
		return "RPC_S_SERVER_UNAVAILABLE", sysErrors + "; " + titleRPC
	case 0x800700CE:
		return "ERROR_FILENAME_EXCED_RANGE", sysErrors + "; " + titleTroubleshoot
	case 0x800700B7:
		return "ERROR_ALREADY_EXISTS", sysErrors + "; " + titleRPC
	case 0x80004005:
		return "E_FAIL", comErrors + "; " + titleRPC
	case 0x80090324:
		return "SEC_E_TIME_SKEW", comErrors
	case 0x80230405:
		return "", titleTroubleshoot + "; " + secFieldCase
	}
	return "", titleTroubleshoot
}
