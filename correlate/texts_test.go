package correlate

import "strings"

// Message texts as they appear in the data strings, from
// /work/shared/domain/event-formats.md and seed 000. Stack frames carry the
// three-space indent of .NET's Exception.ToString; lines end in CRLF as
// EventLog.WriteEntry writes them, unless a test says otherwise.

const text31001 = "TrackingId: e9654057-f2df-452c-8f69-132a882798d9, PasswordResetRequestStart, Details: amercer@davidbielascomcast.onmicrosoft.com"

const text31002 = "TrackingId: e9654057-f2df-452c-8f69-132a882798d9, PasswordResetSuccess, Details: Context: cloudAnchor: User_a5a99e6f-dc5b-4d63-8092-acdf79965131, SourceAnchorValue: jYCmV0xpzky2gk+pHsGVng==, UserPrincipalName: amercer@davidbielascomcast.onmicrosoft.com, unblockUser: True"

const text31009 = "TrackingId: 0b1e2c3d-4f50-4a6b-9c7d-8e9fa0b1c2d3, ResetUserPasswordByAdminStart, Details: jdoe@contoso.com"

const text31010 = "TrackingId: 0b1e2c3d-4f50-4a6b-9c7d-8e9fa0b1c2d3, ResetUserPasswordByAdminSuccess, Details: Context: cloudAnchor: User_11111111-2222-3333-4444-555555555555, SourceAnchorValue: q83vEjRWeJCrze8SNFZ4kA==, AdminUpn: admin@contoso.com, UserPrincipalName: jdoe@contoso.com, ForcePasswordChange: False"

const text33004 = "TrackingId: 7344da2c-ab9d-42ef-adea-4a17d07fdeb9, Reason: Synchronization Engine returned an error hr=80230626, message=The password could not be updated because the management agent credentials were denied access., Context: cloudAnchor: User_9b83f544-ba22-4ffb-bff5-c1c2374d654c, SourceAnchorValue: F39SWQrM2EidaboN8UC8Ww==, UserPrincipalName: ethan@contoso.co.uk, Details: Microsoft.CredentialManagement.OnPremisesPasswordReset.Shared.PasswordResetException: Synchronization Engine returned an error hr=80230626, message=The password could not be updated because the management agent credentials were denied access.\r\n" +
	"   at AADPasswordReset.SynchronizationEngineManagedHandle.ThrowSyncEngineError(Int32 hr)\r\n" +
	"   at AADPasswordReset.SynchronizationEngineManagedHandle.ChangePassword(String cloudAnchor, String sourceAnchor, String oldPassword, String newPassword)\r\n" +
	"   at Microsoft.CredentialManagement.OnPremisesPasswordReset.PasswordResetCredentialManager.ChangePassword(...)"

// seed 000, 33002 of the reset of User-1.
const text33002 = "TrackingId: 62a5da50-8a6b-43a4-8418-82f88522ab34, Reason: Synchronization Engine returned an error hr=80230405, message=The operation failed because the object cannot be found, Context: cloudAnchor: User_966e4393-d730-423c-a3c9-001a3699575f, SourceAnchorValue: AMFLaZcQeEerjEZiNFC+BA==, UserPrincipalName: User-1@Tailspintoys.ca, unblockUser: True, Details: Microsoft.CredentialManagement.OnPremisesPasswordReset.Shared.PasswordResetException: Synchronization Engine returned an error hr=80230405, message=The operation failed because the object cannot be found\r\n" +
	"   at AADPasswordReset.SynchronizationEngineManagedHandle.ThrowSyncEngineError(Int32 hr)\r\n" +
	"   at AADPasswordReset.SynchronizationEngineManagedHandle.ResetPassword(String cloudAnchor, String sourceAnchor, String password, Boolean fForcePasswordChangeAtLogon, Boolean fUnlockAccount, Boolean isSelfServiceOperation)\r\n" +
	"   at Microsoft.CredentialManagement.OnPremisesPasswordReset.PasswordResetCredentialManager.ResetUserPassword(String passwordResetXmlRequestString, Boolean unlockUser)"

// seed 000, the 6329 logged just before the 33002, as one data string.
const text6329 = "An unexpected error has occurred during a password set operation. \r\n" +
	"\"ERR_: MMS(9032): ..\\ObjectSearcher.cpp(461): AD Object is not present.\r\n" +
	"BAIL: MMS(9032): ..\\ObjectSearcher.cpp(491): 0x80230405 (The operation failed because the object cannot be found): No password writeback targets found. Make sure that the source object exists and is connected to the target objects via MV and the target object is in scope of password sync rule. AAD anchor = User_966e4393-d730-423c-a3c9-001a3699575fAzure AD Sync 2.5.79.0\""

// The RPC-error 6329 of Microsoft's support article.
const text6329RPC = "An unexpected error has occurred during a password set operation.\r\n" +
	"\"BAIL: MMS(4984): ..\\dnutils.cpp(1341): 0x800700b7 (Cannot create a file when that file already exists.)\r\n" +
	"ERR_: MMS(4984): X:\\bt\\1016372\\repo\\src\\dev\\sync\\ma\\shared\\inc\\MAUtils.h(58): Failed getting registry value 'ADMADoNormalization', 0x2\r\n" +
	"ERR_: MMS(4984): admaexport.cpp(2939): Failed to acquire user information: 0x6ba\r\n" +
	"BAIL: MMS(4984): admaexport.cpp(2963): 0x80004005 (Unspecified error)\r\n" +
	"ERR_: MMS(4984): ..\\ma.cpp(8000): ExportPasswordSet failed with 0x80004005\r\n" +
	"Azure AD Sync 1.4.18.0\""

const text656 = "Password Change Request - Anchor: H552hI9GwEykZwosf74JeOQ==, Dn: CN=Viola Hanson,OU=Cloud Objects,DC=contoso,DC=local, Change Date: 05/01/2013 16:34:08"

const text657Old = "Password Change Result - Anchor: eX5b50Rf+UizRIMe2CA/tg==, Dn: CN=Ann Lee,OU=Staff,DC=contoso,DC=local, Result: Success."

const text657New = "Password Change Result - Anchor : eX5b50Rf+UizRIMe2CA/tg==, Dn : CN=Ann Lee,OU=Staff,DC=contoso,DC=local, PwdChangeOnLogon=False, Result : Success.\r\n" +
	"Anchor : H552hI9GwEykZwosf74JeOQ==, Dn : CN=Hanson\\, Viola,OU=Cloud Objects,DC=contoso,DC=local, PwdChangeOnLogon=True, Result : Success.\r\n" +
	"<forest-info><partition-name>contoso.local</partition-name><connector-id>5d3a6e1f-0d3e-4b6e-9a5c-2f1e0b8c7d6a</connector-id></forest-info>"

// 31019: no verbatim text is known; this one holds the parts the documents
// describe (relay namespace and <guid>_<guid> endpoint).
const text31019 = "Successfully sent a heartbeat to the Service Bus relay ssprdedicatedsbprodfra-1.servicebus.windows.net, endpoint 4f8c2a1e-9b3d-4e5f-8a7b-6c5d4e3f2a1b_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d."

// crlfToLF returns s with LF line ends.
func crlfToLF(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
