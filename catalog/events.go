package catalog

// Sections of the public sources that the tables cite, by title. The
// troubleshooting page is Microsoft Learn's "Troubleshoot self-service
// password reset writeback"; the field case is an administrator's published
// write-up of a 6329 + 33002 case (a disabled sync rule); the event formats
// are the message layouts collected from Microsoft pages, support blogs and
// lab captures.
const (
	titleTroubleshoot = "Troubleshoot self-service password reset writeback (Microsoft Learn)"
	titleRPC          = "RPC errors affecting Microsoft Entra Connect (Microsoft Learn)"
	secPRS            = titleTroubleshoot + ": Password writeback event log error codes (PasswordResetService)"
	secADSync         = titleTroubleshoot + ": Password writeback event log error codes (ADSync)"
	secCommon         = titleTroubleshoot + ": Common password writeback errors"
	secFieldCase      = "Published field case: 6329 + 33002, No password writeback targets found (In from AD - User AccountEnabled disabled)"
	secFmtPRS         = "Published PasswordResetService event texts (support articles, blogs, lab captures)"
	secFmt6329        = titleRPC + "; published texts of ADSync event 6329"
	secFmtDirSync     = "Published Directory Synchronization and ADSync event texts (support articles, blogs)"
	secFmtHResults    = "Published HRESULTs seen with writeback (support articles, blogs)"
	secFieldReports   = "Administrators' published event texts (no Microsoft Learn table lists this event)"
)

// Remediation steps shared by several entries.
const (
	stepReadText = "Read the full text of the event (evtxscan dump) and of the ADSync " +
		"events logged in the same second; the HRESULT and the message name the " +
		"actual failure."
	stepRestartSync = "Restart the Microsoft Azure AD Sync service (ADSync) in services.msc " +
		"on the Entra Connect server; the writeback endpoint starts with it."
	stepReenable = "Disable and re-enable password writeback: in the Microsoft Entra " +
		"Connect configuration wizard clear Password writeback on the Optional features " +
		"page and select Configure, then run the wizard again and select it; this " +
		"re-runs onboarding and rewrites keys and configuration."
	stepNetwork = "From the Entra Connect server test outbound HTTPS (TCP 443) to " +
		"*.passwordreset.microsoftonline.com and *.servicebus.windows.net " +
		"(*.usgovcloudapi.net / *.chinacloudapi.cn in sovereign clouds), e.g. " +
		"Test-NetConnection <namespace>.servicebus.windows.net -Port 443 with the " +
		"namespace named in a 31019 or 31034 event; allow them in firewall and proxy."
	stepUpgrade = "If the problem persists, upgrade Microsoft Entra Connect in place to " +
		"the latest release (back up customized sync rules first), then re-enable " +
		"password writeback."
	stepNone   = "No action is needed for this event alone."
	stepADPerm = "Give the AD DS connector account (MSOL_xxxxxxxxxxxx, shown under " +
		"Connectors > Active Directory Domain Services > Properties > Connect to Active " +
		"Directory Forest) Reset password, Change password, Write lockoutTime and Write " +
		"pwdLastSet on Descendant User objects at the domain root, and Unexpire Password " +
		"on This object and all descendant objects."
	stepRetry = "Ask the user to try again and watch for the matching success event."
)

// eventTable returns the events, in no particular order; New sorts them.
func eventTable() []Event {
	return []Event{
		// PasswordResetService: attempts.
		{
			Source: SourcePasswordReset, ID: 31001, Name: "PasswordResetStart",
			Token: "PasswordResetRequestStart", Role: RoleAttemptStart,
			Operation: OperationReset, Severity: SeverityInfo,
			Description: "A self-service password reset for a synchronized (federated, " +
				"pass-through or password-hash) user reached the on-premises service. " +
				"It opens every reset attempt and carries its TrackingId, which equals " +
				"the CorrelationId of the Entra audit log; the text names the user.",
			Remediation: []string{stepNone,
				"If no success (31002) or failure event with the same TrackingId follows, " +
					"look for ADSync 6329 errors and for a service stop in the same minute."},
			Section: secPRS,
			Causes:  []string{"attempt-incomplete"},
		},
		{
			Source: SourcePasswordReset, ID: 31002, Name: "PasswordResetSuccess",
			Role: RoleAttemptSuccess, Operation: OperationReset, Severity: SeverityInfo,
			Description: "The password chosen in a self-service reset met the on-premises " +
				"policy and was written to Active Directory. The text carries the " +
				"cloudAnchor (Entra object id), the SourceAnchorValue (ImmutableId) and " +
				"the UPN; unblockUser: True means the account was also unlocked.",
			Remediation: []string{stepNone},
			Section:     secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31003, Name: "PasswordResetFail",
			Role: RoleAttemptFailure, Operation: OperationReset, Severity: SeverityError,
			Description: "The new password of a self-service reset reached the server but " +
				"could not be set in Active Directory: it breaks the domain password " +
				"policy, the connector account lacks permissions, or the account is " +
				"protected (adminCount=1).",
			Remediation: []string{stepReadText,
				"If the reason is a password policy restriction, let the user choose " +
					"another password.",
				"If access was denied, check the connector account's permissions on the " +
					"user and whether the user belongs to a protected group."},
			Section: secPRS,
			Causes:  []string{"password-policy", "ad-permissions", "protected-account", "ad-unknown"},
		},
		{
			Source: SourcePasswordReset, ID: 31006, Name: "ChangePasswordStart",
			Token: "ChangePasswordRequestStart", Role: RoleAttemptStart,
			Operation: OperationChange, Severity: SeverityInfo,
			Description: "A password change (the user knows the current password) for a " +
				"synchronized user reached the on-premises service; first event of every " +
				"change attempt. The status token is inferred by analogy with 31001.",
			Remediation: []string{stepNone,
				"If no 31007 or failure event with the same TrackingId follows, look " +
					"for ADSync 6329 errors and service stops around it."},
			Section: secPRS,
			Causes:  []string{"attempt-incomplete"},
		},
		{
			Source: SourcePasswordReset, ID: 31007, Name: "ChangePasswordSuccess",
			Role: RoleAttemptSuccess, Operation: OperationChange, Severity: SeverityInfo,
			Description: "The new password of a change met the on-premises policy and was " +
				"written to Active Directory.",
			Remediation: []string{stepNone},
			Section:     secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31008, Name: "ChangePasswordFail",
			Role: RoleAttemptFailure, Operation: OperationChange, Severity: SeverityError,
			Description: "The new password of a change reached the server but could not be " +
				"set in Active Directory: policy (age, history, complexity, filter), " +
				"missing permissions of the connector account, or a protected account.",
			Remediation: []string{stepReadText,
				"For a policy rejection let the user pick another password; for access " +
					"denied check the connector account's permissions and adminCount."},
			Section: secPRS,
			Causes:  []string{"password-policy", "ad-permissions", "protected-account", "ad-unknown"},
		},
		{
			Source: SourcePasswordReset, ID: 31009, Name: "ResetUserPasswordByAdminStart",
			Role: RoleAttemptStart, Operation: OperationAdminReset, Severity: SeverityInfo,
			Description: "An administrator reset a synchronized user's password in the " +
				"Entra admin center or through Microsoft Graph and the request reached the " +
				"on-premises service; first event of every admin reset.",
			Remediation: []string{stepNone},
			Section:     secPRS,
			Causes:      []string{"attempt-incomplete"},
		},
		{
			Source: SourcePasswordReset, ID: 31010, Name: "ResetUserPasswordByAdminSuccess",
			Role: RoleAttemptSuccess, Operation: OperationAdminReset, Severity: SeverityInfo,
			Description: "The password an administrator chose for a user met the on-premises " +
				"policy and was written to Active Directory. The text names AdminUpn and " +
				"ForcePasswordChange.",
			Remediation: []string{stepNone},
			Section:     secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31011, Name: "ResetUserPasswordByAdminFail",
			Role: RoleAttemptFailure, Operation: OperationAdminReset, Severity: SeverityError,
			Description: "The password an administrator chose for a user could not be set " +
				"in Active Directory: policy, connector permissions, or a protected account.",
			Remediation: []string{stepReadText,
				"For a policy rejection choose another password; for access denied check " +
					"the connector account's permissions and adminCount of the user."},
			Section: secPRS,
			Causes:  []string{"password-policy", "ad-permissions", "protected-account", "ad-unknown"},
		},

		// PasswordResetService: onboarding, offboarding, service.
		{
			Source: SourcePasswordReset, ID: 31004, Name: "OnboardingEventStart",
			Role: RoleOnboarding, Severity: SeverityInfo,
			Description: "Password writeback was enabled in Entra Connect and onboarding of " +
				"the tenant to the writeback web service began.",
			Remediation: []string{stepNone,
				"If no 31005 follows, look for 32009, 32011 or 32007 right after it."},
			Section: secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31005, Name: "OnboardingEventSuccess",
			Role: RoleOnboarding, Severity: SeverityInfo,
			Description: "Onboarding finished; writeback is ready to take requests.",
			Remediation: []string{stepNone},
			Section:     secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31012, Name: "OffboardingEventStart",
			Role: RoleOffboarding, Severity: SeverityInfo,
			Description: "Password writeback was disabled in Entra Connect and offboarding " +
				"from the writeback web service began.",
			Remediation: []string{stepNone},
			Section:     secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31013, Name: "OffboardingEventSuccess",
			Role: RoleOffboarding, Severity: SeverityInfo,
			Description: "Offboarding finished; writeback is disabled for the tenant.",
			Remediation: []string{stepNone},
			Section:     secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31014, Name: "OffboardingEventFail",
			Role: RoleOffboarding, Severity: SeverityError,
			Description: "Offboarding failed, usually because the cloud or on-premises " +
				"administrator given in the wizard lacks rights, or the Global " +
				"Administrator is a federated account.",
			Remediation: []string{
				"Run the wizard again with a managed (cloud-only or password-hash-synced) " +
					"Global Administrator and a correct password.",
				"Check the rights of the on-premises administrator given in the wizard."},
			Section: secPRS,
			Causes:  []string{"offboarding-failed"},
		},
		{
			Source: SourcePasswordReset, ID: 31015, Name: "WriteBackServiceStarted",
			Role: RoleServiceLifecycle, Severity: SeverityInfo,
			Description: "The writeback service started and is ready to take password " +
				"requests from the cloud.",
			Remediation: []string{stepNone},
			Section:     secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31016, Name: "WriteBackServiceStopped",
			Role: RoleServiceLifecycle, Severity: SeverityWarning,
			Description: "The writeback service stopped; every password request from the " +
				"cloud fails until it starts again (31015).",
			Remediation: []string{
				"If no 31015 follows, check that the ADSync service is running and " +
					"restart it.",
				"Check that Password writeback is still selected in the Entra Connect " +
					"wizard (Optional features)."},
			Section: secPRS,
			Causes:  []string{"writeback-service-stopped"},
		},
		{
			Source: SourcePasswordReset, ID: 31017, Name: "AuthTokenSuccess",
			Role: RoleInfo, Severity: SeverityInfo,
			Description: "An authorization token was obtained for the Global Administrator " +
				"given in the wizard, to start onboarding or offboarding.",
			Remediation: []string{stepNone},
			Section:     secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31018, Name: "KeyPairCreationSuccess",
			Role: RoleOnboarding, Severity: SeverityInfo,
			Description: "The key that encrypts passwords on their way from the cloud was " +
				"created (at onboarding and at each key rollover).",
			Remediation: []string{stepNone},
			Section:     secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31019, Name: "ServiceBusHeartBeat",
			Role: RoleHeartbeat, Severity: SeverityInfo,
			Description: "The service reached the tenant's Service Bus relay. Logged about " +
				"every five minutes per relay (two relays); the text names the namespace " +
				"(ssprdedicatedsbprod<region>.servicebus.windows.net) and the endpoint. " +
				"A gap in these events means the service was down or cut off.",
			Remediation: []string{stepNone,
				"Use the namespace it names to test connectivity when writeback fails."},
			Section: secPRS,
		},
		{
			Source: SourcePasswordReset, ID: 31034, Name: "ServiceBusListenerError",
			Role: RoleError, Severity: SeverityError,
			Description: "The listener lost or could not open its connection to the " +
				"tenant's Service Bus relay (\"The connection to the connect service was " +
				"lost\"). With \"The remote certificate is invalid\" in the text, the " +
				"server lacks the root CAs of the Azure TLS certificates.",
			Remediation: []string{stepNetwork,
				"If the text says the remote certificate is invalid, install the root " +
					"CAs listed in Microsoft's Azure TLS certificate changes article in " +
					"the Local Computer Trusted Root store.",
				stepRestartSync},
			Section: secPRS,
			Causes:  []string{"tls-root-ca", "servicebus-unstable", "servicebus-unreachable"},
		},
		{
			Source: SourcePasswordReset, ID: 31044, Name: "PasswordResetService",
			Role: RoleError, Severity: SeverityCritical,
			Description: "Password writeback is not working: one of the two Service Hosts " +
				"that each hold a Service Bus relay connection is not running; the " +
				"client reports an error as soon as either is down.",
			Remediation: []string{stepNetwork, stepRestartSync, stepReenable},
			Section:     secPRS,
			Causes:      []string{"writeback-down"},
		},
		{
			Source: SourcePasswordReset, ID: 32000, Name: "UnknownError",
			Role: RoleError, Severity: SeverityError,
			Description: "An unexpected error occurred during a password operation; the " +
				"exception text in the event is the only explanation.",
			Remediation: []string{stepReadText, stepReenable,
				"If it persists, open a support case with the event log and the " +
					"TrackingId."},
			Section: secPRS,
			Causes:  []string{"service-unknown"},
		},
		{
			Source: SourcePasswordReset, ID: 32001, Name: "ServiceError",
			Role: RoleError, Severity: SeverityError,
			Description: "The on-premises service could not reach the cloud password reset " +
				"web service (*.passwordreset.microsoftonline.com).",
			Remediation: []string{stepNetwork, stepRestartSync},
			Section:     secPRS,
			Causes:      []string{"servicebus-unreachable"},
		},
		{
			Source: SourcePasswordReset, ID: 32002, Name: "ServiceBusError",
			Role: RoleError, Severity: SeverityError,
			Description: "The service could not connect to the tenant's Service Bus " +
				"(\"Error Connecting to ServiceBus. The token provider was unable to " +
				"provide a security token.\"), usually because outbound connections are " +
				"blocked by a firewall or proxy.",
			Remediation: []string{stepNetwork,
				"After changing the rules restart the Entra Connect server (or the ADSync " +
					"service); if it still fails, disable and re-enable password writeback."},
			Section: secPRS + "; " + secCommon,
			Causes:  []string{"servicebus-unreachable"},
		},
		{
			Source: SourcePasswordReset, ID: 32003, Name: "InPutValidationError",
			Role: RoleError, Severity: SeverityWarning,
			Description: "The input passed to the web service API was invalid.",
			Remediation: []string{stepRetry},
			Section:     secPRS,
			Causes:      []string{"service-unknown"},
		},
		{
			Source: SourcePasswordReset, ID: 32004, Name: "DecryptionError",
			Role: RoleError, Severity: SeverityError,
			Description: "A password from the cloud could not be decrypted, most likely " +
				"because the on-premises key no longer matches the cloud's.",
			Remediation: []string{stepReenable},
			Section:     secPRS,
			Causes:      []string{"key-mismatch"},
		},
		{
			Source: SourcePasswordReset, ID: 32005, Name: "ConfigurationError",
			Role: RoleError, Severity: SeverityError,
			Description: "The tenant configuration file written at onboarding could not be " +
				"saved, or could not be read when the service started.",
			Remediation: []string{stepReenable},
			Section:     secPRS,
			Causes:      []string{"config-file"},
		},
		{
			Source: SourcePasswordReset, ID: 32007, Name: "OnBoardingConfigUpdateError",
			Role: RoleOnboarding, Severity: SeverityError,
			Description: "During onboarding the data sent by the cloud could not be written " +
				"or updated in memory before the sync service stores it on disk.",
			Remediation: []string{stepReenable},
			Section:     secPRS,
			Causes:      []string{"config-file"},
		},
		{
			Source: SourcePasswordReset, ID: 32008, Name: "ValidationError",
			Role: RoleError, Severity: SeverityError,
			Description: "The password reset web service sent an invalid response.",
			Remediation: []string{stepReenable},
			Section:     secPRS,
			Causes:      []string{"service-unknown"},
		},
		{
			Source: SourcePasswordReset, ID: 32009, Name: "AuthTokenError",
			Role: RoleOnboarding, Severity: SeverityError,
			Description: "No authorization token could be obtained for the Global " +
				"Administrator given in the wizard (\"Error getting auth token.\"): wrong " +
				"user name or password, or a federated account. The wizard then reports " +
				"that password writeback could not be configured.",
			Remediation: []string{
				"Run the Entra Connect wizard again with a managed (cloud-only or " +
					"password-hash-synced) Global Administrator, not a federated one.",
				"Type the password of that account carefully."},
			Section: secPRS + "; " + secCommon,
			Causes:  []string{"auth-token"},
		},
		{
			Source: SourcePasswordReset, ID: 32010, Name: "CryptoError",
			Role: RoleError, Severity: SeverityError,
			Description: "The password encryption key could not be generated, or a password " +
				"from the cloud could not be decrypted; usually a problem of the server " +
				"(key store, crypto providers).",
			Remediation: []string{stepReadText, stepReenable},
			Section:     secPRS,
			Causes:      []string{"key-mismatch"},
		},
		{
			Source: SourcePasswordReset, ID: 32011, Name: "OnBoardingServiceError",
			Role: RoleOnboarding, Severity: SeverityError,
			Description: "Onboarding could not talk to the password reset web service: a " +
				"firewall rule, or no authentication token for the tenant.",
			Remediation: []string{
				"Allow outbound TCP 443 and TCP 9350-9354 and *.servicebus.windows.net " +
					"from the Entra Connect server.",
				"Use a managed, not federated, Global Administrator in the wizard.",
				stepReenable},
			Section: secPRS,
			Causes:  []string{"onboarding-failed"},
		},
		{
			Source: SourcePasswordReset, ID: 32013, Name: "OffBoardingError",
			Role: RoleOffboarding, Severity: SeverityError,
			Description: "Offboarding could not talk to the password reset web service: a " +
				"firewall rule, or no authorization token for the tenant.",
			Remediation: []string{
				"Allow outbound TCP 443 and *.servicebus.windows.net from the Entra " +
					"Connect server.",
				"Use a managed, not federated, Global Administrator in the wizard."},
			Section: secPRS,
			Causes:  []string{"offboarding-failed"},
		},
		{
			Source: SourcePasswordReset, ID: 32014, Name: "ServiceBusWarning",
			Role: RoleError, Severity: SeverityWarning,
			Description: "The service had to retry its connection to the tenant's Service " +
				"Bus. Harmless once; many of them point to a slow or unreliable link.",
			Remediation: []string{
				"If it repeats, check latency, bandwidth, proxy idle timeouts and packet " +
					"loss between the server and *.servicebus.windows.net."},
			Section: secPRS,
			Causes:  []string{"servicebus-unstable"},
		},
		{
			Source: SourcePasswordReset, ID: 32015, Name: "ReportServiceHealthError",
			Role: RoleError, Severity: SeverityWarning,
			Description: "The five-minute health report (heartbeat and basic statistics, no " +
				"personal data) could not be sent to the password reset web service.",
			Remediation: []string{stepNetwork},
			Section:     secPRS,
			Causes:      []string{"heartbeat-gap"},
		},

		// PasswordResetService: Active Directory results.
		{
			Source: SourcePasswordReset, ID: 33001, Name: "ADUnKnownError",
			Role: RoleAttemptFailure, Severity: SeverityError,
			Description: "Active Directory returned an unknown error. With hr=80005000 the " +
				"usual reason is a reserved character in the user's DN (an OU name).",
			Remediation: []string{
				"Look at the ADSync events of the same second for the real error.",
				"If the HRESULT is 80005000, rename OUs whose names start with a space or " +
					"#, end with a space, or contain , + \" \\ < > ; = / CR or LF."},
			Section: secPRS,
			Causes:  []string{"dn-reserved-characters", "ad-unknown"},
		},
		{
			Source: SourcePasswordReset, ID: 33002, Name: "ADUserNotFoundError",
			Role: RoleAttemptFailure, Severity: SeverityError,
			Description: "The user could not be found on-premises: deleted in AD but not " +
				"yet in Entra ID, or not linked in the sync engine. With an ADSync 6329 " +
				"\"No password writeback targets found\" the password sync rule is missing " +
				"(a published field case).",
			Remediation: []string{
				"Check that the user exists in AD and is synchronized by this server.",
				"In the Metaverse Search of the Synchronization Service Manager, check " +
					"that the AD connector object joins the metaverse object through " +
					"\"In from AD - User AccountEnabled\".",
				"Look at the last sync run profiles for errors on the user."},
			Section: secPRS + "; " + secFieldCase,
			Causes:  []string{"sync-rule-password-sync-missing", "user-not-found"},
		},
		{
			Source: SourcePasswordReset, ID: 33003, Name: "ADMutliMatchError",
			Role: RoleAttemptFailure, Severity: SeverityError,
			Description: "The cloud anchor of the user matched two on-premises users, e.g. " +
				"an enabled account in two forests or a non-unique anchor attribute.",
			Remediation: []string{
				"Find the users sharing the anchor (metaverse object with two AD " +
					"connectors linked by \"In from AD - User AccountEnabled\").",
				"Leave only one enabled account per person, or use a unique anchor " +
					"(ms-DS-ConsistencyGuid / objectGUID)."},
			Section: secPRS,
			Causes:  []string{"multiple-matches"},
		},
		{
			Source: SourcePasswordReset, ID: 33004, Name: "ADPermissionsError",
			Role: RoleAttemptFailure, Severity: SeverityError,
			Description: "The AD DS connector (ADMA) account could not set the password " +
				"(hr=80230626, management agent credentials denied access): missing Reset " +
				"password rights, a protected account (adminCount=1), or the policy " +
				"\"Restrict clients allowed to make remote calls to SAM\".",
			Remediation: []string{stepADPerm,
				"If the user has adminCount=1 (protected group), reset the password on " +
					"premises instead.",
				"If an ADSync 6329 reads ERROR_ACCESS_DENIED, allow the connector account " +
					"in \"Network access: Restrict clients allowed to make remote calls to " +
					"SAM\"."},
			Section: secPRS,
			Causes:  []string{"restrict-remote-sam", "protected-account", "ad-permissions"},
		},
		{
			Source: SourcePasswordReset, ID: 33005, Name: "ADUserAccountDisabled",
			Role: RoleAttemptFailure, Severity: SeverityWarning,
			Description: "The on-premises account is disabled.",
			Remediation: []string{
				"Enable the account in AD if it should be used, then let the user retry."},
			Section: secPRS,
			Causes:  []string{"account-disabled"},
		},
		{
			Source: SourcePasswordReset, ID: 33006, Name: "ADUserAccountLockedOut",
			Role: RoleAttemptFailure, Severity: SeverityWarning,
			Description: "The on-premises account is locked out, for instance after too " +
				"many attempts in a short time.",
			Remediation: []string{"Unlock the account in AD, then let the user retry."},
			Section:     secPRS,
			Causes:      []string{"account-locked"},
		},
		{
			Source: SourcePasswordReset, ID: 33007, Name: "ADUserIncorrectPassword",
			Role: RoleAttemptFailure, Severity: SeverityWarning,
			Description: "The current password given for a password change is wrong.",
			Remediation: []string{
				"Ask the user to enter the correct current password, or to use a reset " +
					"instead of a change."},
			Section: secPRS,
			Causes:  []string{"wrong-current-password"},
		},
		{
			Source: SourcePasswordReset, ID: 33008, Name: "ADPasswordPolicyError",
			Role: RoleAttemptFailure, Severity: SeverityWarning,
			Description: "Active Directory refused the new password: minimum age, history, " +
				"complexity or a password filter of the domain.",
			Remediation: []string{
				"Let the user choose another password that meets the domain policy.",
				"If resets fail for many users, check Minimum password age (0 allows " +
					"several changes a day), history length and password filters in the " +
					"Default Domain Policy and fine-grained password policies."},
			Section: secPRS,
			Causes:  []string{"password-policy"},
		},
		{
			Source: SourcePasswordReset, ID: 33009, Name: "ADConfigurationError",
			Role: RoleAttemptFailure, Severity: SeverityError,
			Description: "The password could not be written because of an Active Directory " +
				"configuration problem; the ADSync events of the same time say which.",
			Remediation: []string{
				"Read the ADSync events (6329) logged with it; their HRESULT names the " +
					"problem.", stepReadText},
			Section: secPRS,
			Causes:  []string{"ad-configuration"},
		},

		// ADSync.
		{
			Source: SourceADSync, ID: 6329, Name: "PasswordSetError",
			Role: RoleError, Severity: SeverityError,
			Description: "\"An unexpected error has occurred during a password set " +
				"operation.\" The sync engine writes its trace lines (ERR_/BAIL: " +
				"MMS(n): file(line): 0x<hr> (text)) and its version; the HRESULT and the " +
				"text say what failed. It has no TrackingId; the \"AAD anchor = " +
				"User_<guid>\" of some variants joins it to the attempt.",
			Remediation: []string{stepReadText,
				"Use evtxscan explain with the HRESULT of the BAIL line."},
			Section: secADSync + "; " + secFmt6329,
			Causes:  []string{"ad-unknown"},
		},
		{
			Source: SourceADSync, ID: 6329, Variant: "no-writeback-targets",
			Name: "PasswordSetError", Role: RoleError, Severity: SeverityError,
			Description: "0x80230405 \"No password writeback targets found\": the AD object " +
				"of the user is absent, or not linked through the metaverse, or not in " +
				"scope of a sync rule with \"Enable Password Sync\". In the published field case the rule " +
				"\"In from AD - User AccountEnabled\" was disabled.",
			Remediation: []string{
				"Enable the sync rule \"In from AD - User AccountEnabled\" and check " +
					"that it and \"Out to AAD - User Join\" have Enable Password Sync.",
				"Disable password writeback in the wizard, then enable it again.",
				"Run a full synchronization."},
			Section: secFieldCase + "; " + secCommon,
			Causes:  []string{"sync-rule-password-sync-missing", "user-not-found"},
		},
		{
			Source: SourceADSync, ID: 6329, Variant: "password-restriction",
			Name: "PasswordSetError", Role: RoleError, Severity: SeverityWarning,
			Description: "0x80230619 \"A restriction prevents the password from being " +
				"changed to the current one specified\": the password breaks the domain " +
				"policy (age, history, complexity, filter), or the account has " +
				"PASSWD_CANT_CHANGE (\"User cannot change password\").",
			Remediation: []string{
				"Let the user choose another password.",
				"If many users fail, review Minimum password age, history and filters.",
				"Clear \"User cannot change password\" (PASSWD_CANT_CHANGE) on the account."},
			Section: secADSync,
			Causes:  []string{"password-policy"},
		},
		{
			Source: SourceADSync, ID: 6329, Variant: "ldap-policy-control",
			Name: "PasswordSetError", Role: RoleError, Severity: SeverityError,
			Description: "\"The server doesn't contain the LDAP password policy control\": " +
				"the domain controllers do not offer LDAP_SERVER_POLICY_HINTS_OID " +
				"(1.2.840.113556.1.4.2066), which writeback needs.",
			Remediation: []string{
				"Run Windows Server 2016 or later on the domain controllers the connector " +
					"uses (or restrict it to such preferred DCs)."},
			Section: secADSync,
			Causes:  []string{"ldap-policy-hints-missing"},
		},
		{
			Source: SourceADSync, ID: 6329, Variant: "password-sync-not-enabled",
			Name: "PasswordSetError", Role: RoleError, Severity: SeverityError,
			Description: "0x8023061f \"password synchronization is not enabled on this " +
				"Management Agent\": the forest was added (or removed and re-added) after " +
				"writeback had been enabled.",
			Remediation: []string{stepReenable},
			Section:     secCommon,
			Causes:      []string{"password-sync-not-enabled-on-ma"},
		},
		{
			Source: SourceADSync, ID: 6329, Variant: "access-denied",
			Name: "PasswordSetError", Role: RoleError, Severity: SeverityError,
			Description: "\"Failed to acquire user information: <domain>\\MSOL_... Error " +
				"Code: ERROR_ACCESS_DENIED\", logged with a 33004: a domain controller " +
				"refused the connector account's remote SAM call (policy \"Network access: " +
				"Restrict clients allowed to make remote calls to SAM\"); users see " +
				"SSPR_0029.",
			Remediation: []string{
				"Add the MSOL_ connector account to the allowed list of \"Network access: " +
					"Restrict clients allowed to make remote calls to SAM\" in the GPO " +
					"that sets it (check with RSOP on the Entra Connect server and DCs).",
				"Run gpupdate /force on the DCs and retry."},
			Section: secCommon + "; " + secFmt6329,
			Causes:  []string{"restrict-remote-sam"},
		},
		{
			Source: SourceADSync, ID: 6329, Variant: "rpc-unavailable",
			Name: "PasswordSetError", Role: RoleError, Severity: SeverityError,
			Description: "\"Failed to acquire user information: 0x6ba\" then 0x80004005: " +
				"the RPC server is unavailable, the domain controller could not be " +
				"reached over RPC.",
			Remediation: []string{
				"Check name resolution and the RPC ports (TCP 135 and the dynamic range) " +
					"from the Entra Connect server to the DCs.",
				"Use FQDN preferred domain controllers on the AD connector."},
			Section: secFmt6329,
			Causes:  []string{"dc-unreachable"},
		},
		{
			Source: SourceADSync, ID: 6800, Name: "PasswordResetEndpointStartFailed",
			Role: RoleError, Severity: SeverityCritical,
			Description: "The WCF endpoint of password writeback failed to start while the " +
				"ADSync service started; sync runs, writeback does not. The " +
				"PasswordResetService events around it say why.",
			Remediation: []string{
				"Read the PasswordResetService errors logged with it.",
				stepRestartSync, stepReenable},
			Section: secCommon,
			Causes:  []string{"endpoint-not-started"},
		},
		{
			Source: SourceADSync, ID: 6306, Name: "ServerError",
			Role: RoleError, Severity: SeverityError,
			Description: "The sync engine reported an error returned by a server it " +
				"called (the text holds the server's message). Not a writeback event, " +
				"but met beside writeback failures: administrators report it when the " +
				"server's clock is skewed and its calls to Entra ID are refused, the same " +
				"moment writeback logs 32001, 32002 or 31044.",
			Remediation: []string{stepReadText,
				"If the text mentions time or clock skew, correct the server's time " +
					"(w32tm /resync) and restart the ADSync service.",
			},
			Section: secFieldReports,
		},
		{
			Source: SourceADSync, ID: 403, Name: "ImpersonationHelperLogonUser",
			Role: RoleInfo, Severity: SeverityInfo,
			Description: "Trace of the sync engine logging on as the connector account " +
				"(ImpersonationHelper call LogonUser); seen between 31001 and 31002 of a " +
				"successful reset.",
			Remediation: []string{stepNone},
			Section:     secFmtDirSync,
		},
		{
			Source: SourceADSync, ID: 405, Name: "SyncLdapBind",
			Role: RoleInfo, Severity: SeverityInfo,
			Description: "Trace of the sync engine binding to a domain controller (Call " +
				"sync ldap_bind); seen between 31001 and 31002 of a successful reset.",
			Remediation: []string{stepNone},
			Section:     secFmtDirSync,
		},

		// Directory Synchronization (password hash synchronization).
		{
			Source: SourceDirSync, ID: 611, Name: "PasswordSyncFailed",
			Role: RoleError, Severity: SeverityError,
			Description: "Password hash synchronization failed for a domain, e.g. \"RPC " +
				"Error 1722 : The RPC server is unavailable\" (Win32 1722, " +
				"RPC_S_SERVER_UNAVAILABLE). Not writeback itself, but evidence that a " +
				"domain controller cannot be reached from the server, which breaks " +
				"writeback the same way.",
			Remediation: []string{
				"Check connectivity (DNS, RPC) from the Entra Connect server to the DCs " +
					"named in the event."},
			Section: titleRPC + "; " + secFmtDirSync,
			Causes:  []string{"dc-unreachable"},
		},
		dirSyncInfo(650, "ProvisionCredentialsBatchStart",
			"Password hash synchronization started a batch of credentials."),
		dirSyncInfo(651, "ProvisionCredentialsBatchEnd",
			"Password hash synchronization finished a batch of credentials."),
		dirSyncInfo(652, "PasswordSync652",
			"Not described in the sources; it belongs to the password hash "+
				"synchronization series 650-657 and is listed so that it is recognized."),
		dirSyncInfo(653, "ProvisionCredentialsPingStart",
			"Password hash synchronization began its periodic ping."),
		dirSyncInfo(654, "ProvisionCredentialsPingEnd",
			"Password hash synchronization finished its ping; it is the heartbeat of "+
				"password hash sync (about every 30 minutes), not of writeback."),
		dirSyncInfo(655, "PasswordSync655",
			"Not described in the sources; it belongs to the password hash "+
				"synchronization series 650-657 and is listed so that it is recognized."),
		{
			Source: SourceDirSync, ID: 656, Name: "PasswordChangeRequest",
			Role: RoleInfo, Severity: SeverityInfo,
			Description: "Password hash sync picked up password changes: \"Password Change " +
				"Request - Anchor: <b64>, Dn: <dn>, Change Date: ...\", up to 50 users per " +
				"event. The Anchor equals the SourceAnchorValue of writeback events. " +
				"Enabling writeback for the first time can log 656/657 for every user.",
			Remediation: []string{stepNone},
			Section:     secFmtDirSync,
		},
		{
			Source: SourceDirSync, ID: 657, Name: "PasswordChangeResult",
			Role: RoleInfo, Severity: SeverityInfo,
			Description: "Result of the password hash sync of the users of a 656: " +
				"\"Password Change Result - Anchor: <b64>, Dn: <dn>, Result: Success.\"",
			Remediation: []string{stepNone,
				"A Result other than Success concerns hash sync, not writeback."},
			Section: secFmtDirSync,
		},
		{
			Source: SourceDirSync, ID: 6900, Name: "PasswordChangeNotificationError",
			Role: RoleError, Severity: SeverityError,
			Description: "The server hit an unexpected error while processing a password " +
				"change for password hash synchronization; the text holds the exception.",
			Remediation: []string{stepReadText, stepRestartSync, stepUpgrade},
			Section:     secFmtDirSync,
		},
	}
}

// dirSyncInfo builds an informational Directory Synchronization event.
func dirSyncInfo(id int, name, desc string) Event {
	return Event{
		Source: SourceDirSync, ID: id, Name: name, Role: RoleInfo, Severity: SeverityInfo,
		Description: desc, Remediation: []string{stepNone}, Section: secFmtDirSync,
	}
}
