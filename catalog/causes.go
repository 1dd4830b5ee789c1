package catalog

// adResultIDs returns the 33xxx results of Active Directory.
func adResultIDs() []int {
	return []int{33001, 33002, 33003, 33004, 33005, 33006, 33007, 33008, 33009}
}

// failIDs returns the xxFail events of the three operations.
func failIDs() []int { return []int{31003, 31008, 31011} }

// startIDs returns the first events of the three operations.
func startIDs() []int { return []int{31001, 31006, 31009} }

// serviceErrorIDs returns the 32xxx errors of the writeback service.
func serviceErrorIDs() []int {
	return []int{32000, 32001, 32002, 32003, 32004, 32005, 32007, 32008, 32009,
		32010, 32011, 32013, 32014, 32015}
}

// Patterns of 6329 texts used by several causes.
const (
	patNoTargets   = "No password writeback targets found"
	patAcquireUser = "Failed to acquire user information"
)

// causeTable returns the causes, in no particular order; New sorts them.
func causeTable() []Cause {
	return []Cause{
		// Attempt level.
		{
			ID: "restrict-remote-sam", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 95,
			Title:       "Policy restricting remote SAM calls blocks the connector account",
			Explanation: "The Group Policy setting \"Network access: Restrict clients " +
				"allowed to make remote calls to SAM\" is applied to the domain " +
				"controllers (or the Entra Connect server) without the AD DS connector " +
				"account. The sync engine's SAM lookup of the user then fails with " +
				"ERROR_ACCESS_DENIED (ADSync 6329 \"Failed to acquire user " +
				"information\"), the reset fails as access denied (33004, " +
				"hr=80230626) and users see SSPR_0029, although the AD permissions " +
				"are right.",
			Remediation: []string{
				"Run RSOP (rsop.msc or gpresult /h) on the Entra Connect server and on " +
					"the domain controllers to find the GPO that sets Computer " +
					"Configuration > Windows Settings > Security Settings > Local " +
					"Policies > Security Options > \"Network access: Restrict clients " +
					"allowed to make remote calls to SAM\".",
				"Edit that setting's security descriptor and allow Remote Access to the " +
					"MSOL_xxxxxxxxxxxx connector account (or a group that contains it).",
				"Run gpupdate /force on the domain controllers and retry the reset.",
			},
			Signatures: []Signature{
				{Source: SourceADSync, EventIDs: []int{6329},
					Patterns: []string{patAcquireUser, "ERROR_ACCESS_DENIED"}},
				{Source: SourceADSync, EventIDs: []int{6329}, HResults: []uint32{0x80070005},
					Patterns: []string{patAcquireUser}},
				{Source: SourcePasswordReset, EventIDs: append([]int{33004}, failIDs()...),
					HResults: []uint32{0x80230626},
					Requires: []Signature{{Source: SourceADSync, EventIDs: []int{6329},
						Patterns: []string{"ERROR_ACCESS_DENIED"}}}},
			},
		},
		{
			ID: "sync-rule-password-sync-missing", Scope: ScopeAttempt,
			Severity: SeverityError, Specificity: 90,
			Title: "Password sync rule missing or disabled: no writeback target",
			Explanation: "The sync engine finds the user's Entra ID connector object but " +
				"cannot reach the AD object through a sync rule with \"Enable Password " +
				"Sync\": the default inbound rule \"In from AD - User AccountEnabled\" is " +
				"disabled or changed, or it was not right when writeback was turned on, " +
				"so the password sync rule was never created. ADSync logs 6329 " +
				"0x80230405 \"No password writeback targets found\" and the reset fails " +
				"with 33002 (a published field case).",
			Remediation: []string{
				"In the Synchronization Rules Editor enable the inbound rule \"In from " +
					"AD - User AccountEnabled\" (or the copy a custom or selective " +
					"password hash sync setup uses) and check that the user is in its " +
					"scope.",
				"Open that rule and the outbound rule \"Out to AAD - User Join\" and " +
					"make sure \"Enable Password Sync\" is checked on both.",
				"In the Microsoft Entra Connect wizard clear Password writeback on the " +
					"Optional features page and Configure (leave synchronization off).",
				"Run the wizard again and select Password writeback: the password sync " +
					"rule is only created if the rules are right when writeback is " +
					"turned on.",
				"Run a full synchronization (Start-ADSyncSyncCycle -PolicyType Initial) " +
					"and retry the reset.",
			},
			Signatures: []Signature{
				{Source: SourceADSync, EventIDs: []int{6329}, Patterns: []string{patNoTargets}},
				{Source: SourceADSync, EventIDs: []int{6329},
					Patterns: []string{"in scope of password sync rule"}},
				{Source: SourcePasswordReset, EventIDs: append([]int{33002}, failIDs()...),
					Requires: []Signature{{Source: SourceADSync, EventIDs: []int{6329},
						Patterns: []string{patNoTargets}}}},
			},
		},
		{
			ID: "ldap-policy-hints-missing", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 90,
			Title:       "Domain controllers lack the LDAP password policy hints control",
			Explanation: "Writeback sets passwords with the LDAP control " +
				"LDAP_SERVER_POLICY_HINTS_OID (1.2.840.113556.1.4.2066) so that the " +
				"domain policy is enforced. Domain controllers older than Windows Server " +
				"2016 do not offer it and ADSync logs 6329 \"The server doesn't contain " +
				"the LDAP password policy control\".",
			Remediation: []string{
				"List the domain controllers the AD connector uses (connector Properties " +
					"> Configure Directory Partitions > preferred domain controllers) and " +
					"their Windows Server version.",
				"Upgrade or retire domain controllers older than Windows Server 2016, or " +
					"select \"Only use preferred domain controllers\" with 2016 or later " +
					"DCs.",
				"Retry the reset.",
			},
			Signatures: []Signature{
				{Source: SourceADSync, EventIDs: []int{6329},
					Patterns: []string{"LDAP password policy control"}},
				{Patterns: []string{"1.2.840.113556.1.4.2066"}},
			},
		},
		{
			ID: "password-sync-not-enabled-on-ma", Scope: ScopeAttempt,
			Severity: SeverityError, Specificity: 90,
			Title: "Writeback not enabled on the forest's connector",
			Explanation: "A forest was added (or removed and added again) in Entra Connect " +
				"after password writeback had been enabled, so its AD connector has no " +
				"writeback settings; password operations for its users fail with " +
				"0x8023061f.",
			Remediation: []string{
				"Finish all forest changes in the Entra Connect wizard.",
				"Run the wizard, clear Password writeback on Optional features and " +
					"Configure.",
				"Run it again, select Password writeback and Configure, then retry.",
			},
			Signatures: []Signature{
				{HResults: []uint32{0x8023061F}},
				{Patterns: []string{"password synchronization is not enabled on this Management Agent"}},
			},
		},
		{
			ID: "adma-password-too-long", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 90,
			Title:       "Connector account password longer than 256 characters",
			Explanation: "The AD DS connector account has a password of more than 256 " +
				"characters; the engine fails with 0x800700CE \"The filename or " +
				"extension is too long\" on every reset and unlock.",
			Remediation: []string{
				"Reset the password of the AD DS connector account in AD to one of at " +
					"most 256 characters.",
				"Open Synchronization Service > Connectors, select the Active Directory " +
					"connector > Properties > Connect to Active Directory Forest and enter " +
					"the new password; select OK.",
				"Retry the reset or unlock.",
			},
			Signatures: []Signature{
				{HResults: []uint32{0x800700CE}},
				{Patterns: []string{"The filename or extension is too long"}},
			},
		},
		{
			ID: "ldaps-required", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 90,
			Title:       "Domain controller requires a signed and encrypted LDAP session",
			Explanation: "The domain controller refuses to set a password over an LDAP " +
				"session that is neither signed and encrypted nor TLS (0x8023062C, " +
				"\"not configured for insecure setting of passwords, or a 128 bit TLS " +
				"or SSL connection is required\").",
			Remediation: []string{
				"Open Synchronization Service > Connectors > the AD connector > " +
					"Properties > Connect to Active Directory Forest > Options and select " +
					"\"Sign and Encrypt LDAP traffic\".",
				"Alternatively give the domain controllers a valid certificate so that " +
					"LDAPS (TCP 636) works, and enable SSL on the connector.",
				"Restart the ADSync service and retry.",
			},
			Signatures: []Signature{
				{HResults: []uint32{0x8023062C}},
				{Patterns: []string{"not configured for insecure setting of passwords"}},
				{Patterns: []string{"128 bit TLS or SSL connection is required"}},
			},
		},
		{
			ID: "dc-unreachable", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 85,
			Title:       "Domain controller unreachable",
			Explanation: "The sync engine could not contact a domain controller of the " +
				"user's domain: 0x80230818 (often NetBIOS names that do not resolve), or " +
				"RPC error 0x6ba \"The RPC server is unavailable\".",
			Remediation: []string{
				"From the Entra Connect server resolve the DCs by FQDN (nslookup) and " +
					"test Test-NetConnection <dc> -Port 389, 135 and 445 and the RPC " +
					"dynamic ports 49152-65535.",
				"On the AD connector (Properties > Configure Directory Partitions) select " +
					"\"Only use preferred domain controllers\" and list reachable DCs by " +
					"FQDN.",
				"Fix DNS or firewall rules between the server and the DCs, then retry.",
			},
			Signatures: []Signature{
				{HResults: []uint32{0x80230818, 0x800706BA}},
				{Patterns: []string{"domain controller could not be contacted"}},
				{Patterns: []string{"RPC server is unavailable"}},
				{Source: SourceADSync, EventIDs: []int{6329},
					Patterns: []string{patAcquireUser + ": 0x6ba"}},
			},
		},
		{
			ID: "protected-account", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 80,
			Title:       "Protected account (adminCount=1)",
			Explanation: "The user is (or was) a member of a protected group such as Domain " +
				"Admins. SDProp stamps the AdminSDHolder permissions on such accounts " +
				"every hour, removing the rights delegated to the connector account, " +
				"so writeback cannot set their passwords. This is by design.",
			Remediation: []string{
				"Check the user's adminCount attribute and its membership of protected " +
					"groups (Domain Admins, Enterprise Admins, Administrators, Account " +
					"Operators, ...).",
				"Reset privileged accounts' passwords on premises, not through SSPR.",
				"If the user left the protected groups, set adminCount to 0 (or clear " +
					"it) and re-enable permission inheritance on the object.",
			},
			Signatures: []Signature{
				{Patterns: []string{"denied access to perform the operation on a privileged account"}},
			},
		},
		{
			ID: "dn-reserved-characters", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 75,
			Title:       "Reserved character in the user's DN",
			Explanation: "A name in the user's distinguished name (usually an OU) starts " +
				"with a space or #, ends with a space, or contains , + \" \\ < > ; = / or " +
				"a line break; writeback fails with 33001 and hr=80005000.",
			Remediation: []string{
				"Read the user's DN (Dn: of a 656 event, or in Active Directory) and find " +
					"the OU or CN with a reserved character.",
				"Rename that OU, or move the user to an OU with a plain name.",
				"Run a delta synchronization and retry.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{33001},
					HResults: []uint32{0x80005000}},
				{HResults: []uint32{0x80005000}},
			},
		},
		{
			ID: "password-policy", Scope: ScopeAttempt, Severity: SeverityWarning,
			UserSide: true, Specificity: 70,
			Title: "New password rejected by the on-premises password policy",
			Explanation: "Active Directory refused the password: minimum password age " +
				"not reached, the password is in the history, it fails complexity, or a " +
				"password filter rejects it; or the account has \"User cannot change " +
				"password\" (PASSWD_CANT_CHANGE). Usually a one-off choice of the user.",
			Remediation: []string{
				"Ask the user to choose another password that meets the domain policy.",
				"If many users fail, check in gpmc.msc (Computer Configuration > " +
					"Policies > Windows Settings > Security Settings > Account Policies) " +
					"and in fine-grained password policies: Minimum password age 0 allows " +
					"several changes a day; check history length and password filters.",
				"Clear \"User cannot change password\" on the account if it is set.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{33008}},
				{HResults: []uint32{0x80230619}},
				{Patterns: []string{"A restriction prevents the password from being changed"}},
			},
		},
		{
			ID: "multiple-matches", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 60,
			Title:       "Several on-premises users match the cloud anchor",
			Explanation: "The request's cloud anchor leads to more than one AD user: the " +
				"same person has enabled accounts in several forests (account and " +
				"resource forests), or the anchor attribute is not unique (an alias or " +
				"UPN). Writeback does not support this.",
			Remediation: []string{
				"In Metaverse Search find the user's metaverse object and the AD " +
					"connector objects joined to it through \"In from AD - User " +
					"AccountEnabled\".",
				"Disable all but one of the accounts, or remove the duplicate from sync " +
					"scope.",
				"If the anchor is not unique, move to a unique source anchor " +
					"(ms-DS-ConsistencyGuid or objectGUID).",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{33003}},
				{HResults: []uint32{0x80230402}},
				{Patterns: []string{"duplicated entries with the same anchor"}},
				{Patterns: []string{"Multiple matches found"}},
			},
		},
		{
			ID: "account-disabled", Scope: ScopeAttempt, Severity: SeverityWarning,
			UserSide: true, Specificity: 60,
			Title: "On-premises account disabled",
			Explanation: "The user's AD account is disabled, so its password cannot be " +
				"reset or changed.",
			Remediation: []string{
				"Confirm the account should be active, enable it in Active Directory " +
					"Users and Computers and let the user retry.",
			},
			Signatures: []Signature{{Source: SourcePasswordReset, EventIDs: []int{33005}}},
		},
		{
			ID: "account-locked", Scope: ScopeAttempt, Severity: SeverityWarning,
			UserSide: true, Specificity: 60,
			Title: "On-premises account locked out",
			Explanation: "The user's AD account is locked out, typically after too many " +
				"wrong passwords in a short time.",
			Remediation: []string{
				"Unlock the account in Active Directory Users and Computers (Account " +
					"tab) and let the user retry.",
				"With \"Allow users to unlock accounts without resetting their " +
					"password\" enabled in Password reset > On-premises integration, " +
					"users can unlock themselves through SSPR.",
			},
			Signatures: []Signature{{Source: SourcePasswordReset, EventIDs: []int{33006}}},
		},
		{
			ID: "wrong-current-password", Scope: ScopeAttempt, Severity: SeverityWarning,
			UserSide: true, Specificity: 60,
			Title:       "Wrong current password in a password change",
			Explanation: "The user changed a password but typed the current one wrong.",
			Remediation: []string{
				"Ask the user to retry with the right current password, or to use a " +
					"self-service reset instead.",
			},
			Signatures: []Signature{{Source: SourcePasswordReset, EventIDs: []int{33007}}},
		},
		{
			ID: "ad-permissions", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 50,
			Title:       "Connector account lacks permissions on the user",
			Explanation: "The AD DS connector account (ADMA, MSOL_xxxxxxxxxxxx) has no " +
				"Reset password right on the user object: the rights were never " +
				"delegated, were delegated below the user's OU, inheritance is disabled, " +
				"or they have not propagated yet. The reset fails with 33004 and " +
				"hr=80230626 (management agent credentials denied access).",
			Remediation: []string{
				"Find the connector account: Synchronization Service > Connectors > the " +
					"Active Directory Domain Services connector > Properties > Connect to " +
					"Active Directory Forest > User name.",
				"In Active Directory Users and Computers (View > Advanced Features) open " +
					"the domain root > Properties > Security > Advanced > Add, select the " +
					"connector account, Applies to \"Descendant User objects\", and allow " +
					"Reset password, Change password, Write lockoutTime and Write " +
					"pwdLastSet.",
				"Add it again for \"This object and all descendant objects\" with the " +
					"extended right Unexpire Password.",
				"Check that inheritance is not disabled on the user or its OU, and " +
					"confirm on the user (Security > Advanced > Effective Access) that " +
					"the account has Reset password.",
				"Allow up to an hour for the rights to reach all objects, then retry.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{33004}},
				{HResults: []uint32{0x80230626}},
				{Patterns: []string{"management agent credentials were denied access"}},
				{HResults: []uint32{0x80070005}},
			},
		},
		{
			ID: "user-not-found", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 40,
			Title:       "User not found on premises",
			Explanation: "The request's cloud anchor leads to no AD user: the user was " +
				"deleted or moved out of sync scope on premises but still exists in " +
				"Entra ID, or its connector objects are not joined in the metaverse " +
				"because of a sync problem.",
			Remediation: []string{
				"Check in Active Directory that the user exists and is in an OU " +
					"synchronized by this Entra Connect server.",
				"In Synchronization Service > Metaverse Search find the user and check " +
					"that the metaverse object has both an AD and an Entra ID connector.",
				"Review the last import and synchronization runs of both connectors for " +
					"errors on the user and run a delta synchronization.",
				"If the user was deleted on premises, let the deletion reach Entra ID.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{33002}},
				{HResults: []uint32{0x80230405}},
				{Source: SourceADSync, EventIDs: []int{6329},
					Patterns: []string{"AD Object is not present"}},
			},
		},
		{
			ID: "ad-configuration", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 30,
			Title:       "Active Directory configuration problem",
			Explanation: "The password could not be written because of a configuration " +
				"problem in Active Directory or in the AD connector (33009); the ADSync " +
				"events of the same moment name it.",
			Remediation: []string{
				"Read the ADSync 6329 logged with the failure and run evtxscan explain " +
					"on its HRESULT.",
				"Check the AD connector's credentials, partitions and preferred domain " +
					"controllers in the Synchronization Service.",
				"Disable and re-enable password writeback in the Entra Connect wizard.",
			},
			Signatures: []Signature{{Source: SourcePasswordReset, EventIDs: []int{33009}}},
		},
		{
			ID: "ad-unknown", Scope: ScopeAttempt, Severity: SeverityError,
			Specificity: 10,
			Title:       "Unexplained Active Directory failure",
			Explanation: "The attempt failed in Active Directory or the sync engine with " +
				"no more specific signature in the events at hand.",
			Remediation: []string{
				stepReadText,
				"Run evtxscan explain on each HRESULT found.",
				"If nothing explains it, open a support case with the Application log " +
					"and the TrackingId.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: append(adResultIDs(), failIDs()...)},
				{Source: SourceADSync, EventIDs: []int{6329}},
			},
		},
		{
			ID: "attempt-incomplete", Scope: ScopeAttempt, Severity: SeverityWarning,
			Specificity: 5,
			Title:       "Attempt without a result",
			Explanation: "The attempt started on premises but no success or failure event " +
				"follows: the service stopped or lost its relay connection meanwhile, " +
				"or the log ends or was cleared.",
			Remediation: []string{
				"Look for 31016, 6800 and Service Bus errors around the start time.",
				"Check the Entra audit log entry whose CorrelationId equals the " +
					"TrackingId for the result the user saw.",
				"Ask the user to retry while the service is healthy.",
			},
			Signatures: []Signature{{Source: SourcePasswordReset, EventIDs: startIDs()}},
		},

		// Service level.
		{
			ID: "tls-root-ca", Scope: ScopeService, Severity: SeverityCritical,
			Specificity: 90,
			Title:       "Azure TLS root certificates missing",
			Explanation: "The server does not trust the certificate of the Service Bus " +
				"relay (\"The remote certificate is invalid\"): the root CAs of " +
				"Azure's TLS certificates are missing, or a TLS-inspecting proxy " +
				"substitutes its own certificate.",
			Remediation: []string{
				"Install the root CAs listed in Microsoft's \"Azure TLS certificate " +
					"changes\" article (DigiCert Global Root G2, Microsoft RSA Root " +
					"Certificate Authority 2017, ...) in Local Computer > Trusted Root " +
					"Certification Authorities, or let Windows update its roots.",
				"Exempt *.servicebus.windows.net and *.passwordreset.microsoftonline.com " +
					"from TLS inspection, or trust the proxy's CA.",
				"Restart the ADSync service and check for 31019 heartbeats.",
			},
			Signatures: []Signature{
				{Patterns: []string{"The remote certificate is invalid"}},
				{Patterns: []string{"Could not establish trust relationship"}},
			},
			Consequences: []string{"servicebus-unstable", "servicebus-unreachable", "writeback-down", "heartbeat-gap", "heartbeat-silent-end", "attempt-incomplete"},
		},
		{
			ID: "auth-token", Scope: ScopeService, Severity: SeverityError,
			Specificity: 80,
			Title:       "No auth token for the Global Administrator",
			Explanation: "Onboarding or offboarding could not get a token for the Global " +
				"Administrator given in the wizard (32009 \"Error getting auth token.\"): " +
				"wrong password, or a federated account.",
			Remediation: []string{
				"Run the Entra Connect wizard again with a managed (cloud-only or " +
					"password-hash-synced) Global Administrator, not a federated one.",
				"Type its password carefully, and complete MFA if prompted.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{32009}},
				{Patterns: []string{"Error getting auth token"}},
			},
			Consequences: []string{"onboarding-failed", "offboarding-failed"},
		},
		{
			ID: "key-mismatch", Scope: ScopeService, Severity: SeverityCritical,
			Specificity: 80,
			Title:       "Password encryption key mismatch",
			Explanation: "Passwords from the cloud cannot be decrypted (32004) or the key " +
				"cannot be generated (32010): the on-premises key no longer matches " +
				"the cloud's, or the key store is damaged.",
			Remediation: []string{
				"Disable and re-enable password writeback in the Entra Connect wizard; " +
					"this creates a new key pair (31018).",
				"If 32010 persists, read its exception text for the crypto provider error.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{32004}},
				{Source: SourcePasswordReset, EventIDs: []int{32010}},
			},
		},
		{
			ID: "endpoint-not-started", Scope: ScopeService, Severity: SeverityCritical,
			Specificity: 75,
			Title:       "Writeback endpoint did not start",
			Explanation: "The ADSync service started but the WCF endpoint of password " +
				"writeback failed (6800); synchronization runs, writeback does not.",
			Remediation: []string{
				"Read the PasswordResetService errors logged with the 6800.",
				"Restart the Microsoft Azure AD Sync service.",
				"Disable and re-enable password writeback in the Entra Connect wizard.",
				"If it persists, upgrade Entra Connect in place to the latest release.",
			},
			Signatures:   []Signature{{Source: SourceADSync, EventIDs: []int{6800}}},
			Consequences: []string{"writeback-service-stopped", "heartbeat-gap", "heartbeat-silent-end", "attempt-incomplete"},
		},
		{
			ID: "config-file", Scope: ScopeService, Severity: SeverityCritical,
			Specificity: 75,
			Title:       "Writeback configuration file unreadable or unwritable",
			Explanation: "The tenant configuration written at onboarding could not be " +
				"saved or read (32005), or its in-memory copy could not be updated " +
				"(32007).",
			Remediation: []string{
				"Disable and re-enable password writeback in the Entra Connect wizard " +
					"to rewrite the configuration.",
				"Check free disk space and the permissions of the ADSync service account " +
					"on the Entra Connect program data folder.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{32005}},
				{Source: SourcePasswordReset, EventIDs: []int{32007}},
			},
			Consequences: []string{"onboarding-failed"},
		},
		{
			ID: "onboarding-failed", Scope: ScopeService, Severity: SeverityCritical,
			Specificity: 70,
			Title:       "Onboarding to the writeback service failed",
			Explanation: "Enabling writeback could not reach the password reset web " +
				"service (32011): a firewall blocks it or no token could be obtained; " +
				"the wizard reports that writeback could not be configured.",
			Remediation: []string{
				"Allow outbound TCP 443 and TCP 9350-9354 to *.servicebus.windows.net " +
					"and *.passwordreset.microsoftonline.com.",
				"Use a managed, not federated, Global Administrator in the wizard.",
				"Run the wizard again and enable Password writeback; look for 31005.",
			},
			Signatures: []Signature{{Source: SourcePasswordReset, EventIDs: []int{32011}}},
		},
		{
			ID: "offboarding-failed", Scope: ScopeService, Severity: SeverityWarning,
			Specificity: 70,
			Title:       "Offboarding from the writeback service failed",
			Explanation: "Disabling writeback failed (31014 or 32013): the administrator " +
				"lacks rights or is federated, or the web service was unreachable.",
			Remediation: []string{
				"Use a managed Global Administrator with a correct password.",
				"Allow outbound TCP 443 to *.servicebus.windows.net.",
				"Run the wizard again to disable (or re-enable) password writeback.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{31014}},
				{Source: SourcePasswordReset, EventIDs: []int{32013}},
			},
		},
		{
			ID: "servicebus-unreachable", Scope: ScopeService, Severity: SeverityCritical,
			Specificity: 60,
			Title:       "Service Bus or password reset service unreachable",
			Explanation: "The service cannot open its outbound connections to the " +
				"tenant's Service Bus relay (32002) or to the password reset web service " +
				"(32001), usually because a firewall or proxy blocks them; no request " +
				"can reach the server.",
			Remediation: []string{
				stepNetwork,
				"If a proxy is required, configure it for .NET (defaultProxy in " +
					"machine.config) so that the ADSync service uses it.",
				"Check that TLS 1.2 is enabled (Microsoft's TLS 1.2 check script for " +
					"Entra Connect) and that .NET Framework 4.8 or later is installed.",
				"Restart the ADSync service; if it still fails, disable and re-enable " +
					"password writeback.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{32002}},
				{Source: SourcePasswordReset, EventIDs: []int{32001}},
				{Patterns: []string{"Error Connecting to ServiceBus"}},
			},
			Consequences: []string{"writeback-down", "onboarding-failed", "offboarding-failed", "heartbeat-gap", "heartbeat-silent-end", "attempt-incomplete"},
		},
		{
			ID: "writeback-down", Scope: ScopeService, Severity: SeverityCritical,
			Specificity: 65,
			Title:       "Password writeback not working: a Service Bus relay host is not running",
			Explanation: "The service listens for requests on two Service Bus relays, each " +
				"held by its own service host; 31044 (\"No serviceHost for service bus " +
				"endpoints are in running state\") means one or both are not running and " +
				"writeback is not working: the cloud's requests fail until the hosts run " +
				"again (Troubleshoot self-service password reset writeback, Microsoft " +
				"Learn).",
			Remediation: []string{
				stepNetwork,
				stepRestartSync,
				stepReenable,
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{31044}},
				{Patterns: []string{"No serviceHost for service bus endpoints"}},
			},
			Consequences: []string{"heartbeat-gap", "heartbeat-silent-end", "attempt-incomplete"},
		},
		{
			ID: "clock-skew", Scope: ScopeService, Severity: SeverityCritical,
			Specificity: 85,
			Title:       "Server clock skewed: tokens for Entra ID and Service Bus refused",
			Explanation: "The Entra Connect server's clock is too far from the real time " +
				"(SEC_E_TIME_SKEW, \"clocks ... are skewed\"); security tokens it obtains or " +
				"presents are refused, so the writeback service cannot reach the password " +
				"reset service or its Service Bus relays, and the sync engine reports " +
				"server errors (ADSync 6306).",
			Remediation: []string{
				"Compare the server's time with a reliable source (w32tm /stripchart " +
					"/computer:time.windows.com /samples:3) and with the domain controllers.",
				"Let the server take its time from the domain hierarchy (w32tm /config " +
					"/syncfromflags:domhier /update, then w32tm /resync); on a virtual " +
					"machine make sure host time synchronization does not fight it.",
				"Restart the ADSync service and check for 31019 heartbeats.",
			},
			Signatures: []Signature{
				{HResults: []uint32{0x80090324}},
				{Patterns: []string{"clock skew"}},
				{Patterns: []string{"time skew"}},
				{Patterns: []string{"clocks on the client and server machines are skewed"}},
			},
			Consequences: []string{"servicebus-unreachable", "writeback-down", "onboarding-failed",
				"heartbeat-gap", "heartbeat-silent-end"},
		},
		{
			ID: "heartbeat-silent-end", Scope: ScopeService, Severity: SeverityWarning,
			Specificity: 14,
			Title:       "No heartbeat at the end of the log",
			Explanation: "The Service Bus heartbeats (31019, about every five minutes) stop " +
				"before the Application log ends, while the service is expected up: the " +
				"service may have been down or cut off when the log was collected. Unlike " +
				"a gap, no later heartbeat shows that it came back.",
			Remediation: []string{
				"Check whether the writeback service is running now and logs 31019.",
				stepNetwork,
			},
		},
		{
			ID: "servicebus-unstable", Scope: ScopeService, Severity: SeverityWarning,
			Specificity: 40,
			Title:       "Unstable Service Bus connection",
			Explanation: "The relay connections drop and reconnect: listener errors " +
				"(31034 \"The connection to the connect service was lost\") or retries " +
				"(32014). Resets fail while a connection is down.",
			Remediation: []string{
				"Check firewall and proxy idle timeouts on the long-lived outbound " +
					"connections to *.servicebus.windows.net; exempt them from timeouts " +
					"and inspection.",
				"Check latency and packet loss on the server's Internet link.",
			},
			Signatures: []Signature{
				{Source: SourcePasswordReset, EventIDs: []int{32014}},
				{Source: SourcePasswordReset, EventIDs: []int{31034}},
			},
			Consequences: []string{"heartbeat-gap", "heartbeat-silent-end"},
		},
		{
			ID: "writeback-service-stopped", Scope: ScopeService,
			Severity: SeverityCritical, Specificity: 20,
			Title: "Writeback service stopped",
			Explanation: "The writeback service stopped (31016) and did not start again; " +
				"every password request from the cloud fails while it is down.",
			Remediation: []string{
				"Check that the Microsoft Azure AD Sync service is running; start it.",
				"Check in the Entra Connect wizard that Password writeback is still " +
					"enabled.",
				"If it does not start, disable and re-enable password writeback, and " +
					"upgrade Entra Connect if needed.",
			},
			Signatures:   []Signature{{Source: SourcePasswordReset, EventIDs: []int{31016}}},
			Consequences: []string{"attempt-incomplete"},
		},
		{
			ID: "heartbeat-gap", Scope: ScopeService, Severity: SeverityWarning,
			Specificity: 15,
			Title:       "Heartbeats missing",
			Explanation: "The five-minute Service Bus heartbeats (31019) stop, or the " +
				"health report fails (32015): the service was down or cut off from the " +
				"cloud for that time.",
			Remediation: []string{
				"Check whether the server or the ADSync service was down during the gap.",
				stepNetwork,
			},
			Signatures: []Signature{{Source: SourcePasswordReset, EventIDs: []int{32015}}},
		},
		{
			ID: "service-unknown", Scope: ScopeService, Severity: SeverityError,
			Specificity: 5,
			Title:       "Unexplained writeback service error",
			Explanation: "The writeback service logged an error that no more specific " +
				"signature explains.",
			Remediation: []string{
				stepReadText,
				"Restart the ADSync service; then disable and re-enable password " +
					"writeback.",
				"If it persists, open a support case with the Application log.",
			},
			Signatures: []Signature{{Source: SourcePasswordReset, EventIDs: serviceErrorIDs()}},
		},
	}
}
