package scenario

import (
	"fmt"
	"strings"
)

// Event sources.
const (
	SourcePRS     = "PasswordResetService"
	SourceADSync  = "ADSync"
	SourceDirSync = "Directory Synchronization"
)

// IsWritebackSource reports whether provider is one of the three sources
// evtxscan keeps.
func IsWritebackSource(provider string) bool {
	return provider == SourcePRS || provider == SourceADSync || provider == SourceDirSync
}

// Operation names used in expectation files.
const (
	OpReset      = "reset"
	OpChange     = "change"
	OpAdminReset = "admin_reset"
)

// Outcomes used in expectation files.
const (
	OutcomeSuccess    = "success"
	OutcomeFailure    = "failure"
	OutcomeIncomplete = "incomplete"
)

// user is a synchronised user: its UPN, Entra object id (the GUID of its
// cloud anchor), ImmutableId (SourceAnchorValue) and on-premises DN.
type user struct {
	UPN      string
	ObjectID string
	Source   string // base64 of 16 bytes
	DN       string
}

func (u user) Anchor() string { return "User_" + u.ObjectID }

// opTokens are the words after "TrackingId: …," for each operation. The
// reset tokens are SEEN; change and admin-reset spellings are INFERRED
// (event-formats.md).
var opTokens = map[string][3]string{
	OpReset:      {"PasswordResetRequestStart", "PasswordResetSuccess", "PasswordResetFail"},
	OpChange:     {"ChangePasswordRequestStart", "ChangePasswordSuccess", "ChangePasswordFail"},
	OpAdminReset: {"ResetUserPasswordByAdminStart", "ResetUserPasswordByAdminSuccess", "ResetUserPasswordByAdminFail"},
}

// opEvents are the start and success event ids of each operation.
var opEvents = map[string][2]uint16{
	OpReset:      {31001, 31002},
	OpChange:     {31006, 31007},
	OpAdminReset: {31009, 31010},
}

func startText(op, tid, upn string) string {
	return fmt.Sprintf("TrackingId: %s, %s, Details: %s", tid, opTokens[op][0], upn)
}

func successText(op, tid string, u user, admin string) string {
	switch op {
	case OpAdminReset:
		return fmt.Sprintf("TrackingId: %s, %s, Details: Context: cloudAnchor: %s, SourceAnchorValue: %s, AdminUpn: %s, UserPrincipalName: %s, ForcePasswordChange: True",
			tid, opTokens[op][1], u.Anchor(), u.Source, admin, u.UPN)
	case OpChange:
		return fmt.Sprintf("TrackingId: %s, %s, Details: Context: cloudAnchor: %s, SourceAnchorValue: %s, UserPrincipalName: %s",
			tid, opTokens[op][1], u.Anchor(), u.Source, u.UPN)
	}
	return fmt.Sprintf("TrackingId: %s, %s, Details: Context: cloudAnchor: %s, SourceAnchorValue: %s, UserPrincipalName: %s, unblockUser: True",
		tid, opTokens[op][1], u.Anchor(), u.Source, u.UPN)
}

// failure describes a failed password operation as PasswordResetService
// reports it (33001–33009).
type failure struct {
	EventID   uint16
	HR        string // e.g. "80230405"
	Message   string // the engine's message for HR (may contain commas)
	NoSpace   bool   // "cloudAnchor:User_…" without the space (a redacted 2022 sample)
	LF        bool   // LF line breaks instead of CRLF
	LongTrace bool   // add the WCF/Service Bus frames: a multi-KB trace
}

// failureText renders a 33xxx data string in the shape SEEN for 33004
// (2015) and 33002 (seed 000).
func failureText(op, tid string, u user, f failure) string {
	nl := "\r\n"
	if f.LF {
		nl = "\n"
	}
	anchorSep := " "
	if f.NoSpace {
		anchorSep = ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "TrackingId: %s, Reason: Synchronization Engine returned an error hr=%s, message=%s, Context: cloudAnchor:%s%s, SourceAnchorValue: %s, UserPrincipalName: %s, ",
		tid, f.HR, f.Message, anchorSep, u.Anchor(), u.Source, u.UPN)
	if op == OpReset {
		b.WriteString("unblockUser: True, ")
	}
	fmt.Fprintf(&b, "Details: Microsoft.CredentialManagement.OnPremisesPasswordReset.Shared.PasswordResetException: Synchronization Engine returned an error hr=%s, message=%s", f.HR, f.Message)
	frames := []string{"AADPasswordReset.SynchronizationEngineManagedHandle.ThrowSyncEngineError(Int32 hr)"}
	switch op {
	case OpChange:
		frames = append(frames,
			"AADPasswordReset.SynchronizationEngineManagedHandle.ChangePassword(String cloudAnchor, String sourceAnchor, String oldPassword, String newPassword)",
			"Microsoft.CredentialManagement.OnPremisesPasswordReset.PasswordResetCredentialManager.ChangePassword(String passwordChangeXmlRequestString)")
	case OpAdminReset:
		frames = append(frames,
			"AADPasswordReset.SynchronizationEngineManagedHandle.ResetPassword(String cloudAnchor, String sourceAnchor, String password, Boolean fForcePasswordChangeAtLogon, Boolean fUnlockAccount, Boolean isSelfServiceOperation)",
			"Microsoft.CredentialManagement.OnPremisesPasswordReset.PasswordResetCredentialManager.ResetUserPasswordByAdmin(String passwordResetXmlRequestString)")
	default:
		frames = append(frames,
			"AADPasswordReset.SynchronizationEngineManagedHandle.ResetPassword(String cloudAnchor, String sourceAnchor, String password, Boolean fForcePasswordChangeAtLogon, Boolean fUnlockAccount, Boolean isSelfServiceOperation)",
			"Microsoft.CredentialManagement.OnPremisesPasswordReset.PasswordResetCredentialManager.ResetUserPassword(String passwordResetXmlRequestString, Boolean unlockUser)")
	}
	if f.LongTrace {
		frames = append(frames, longTraceFrames()...)
	}
	for _, fr := range frames {
		b.WriteString(nl)
		if strings.HasPrefix(fr, "---") {
			b.WriteString(fr)
			continue
		}
		b.WriteString("   at ")
		b.WriteString(fr)
	}
	return b.String()
}

// longTraceFrames are the frames of the service host and WCF dispatch that
// a full .NET trace carries below the credential manager (INFERRED; they make
// the data string several KB long, as full traces are).
func longTraceFrames() []string {
	var fr []string
	for i := 0; i < 2; i++ {
		fr = append(fr,
			"Microsoft.CredentialManagement.OnPremisesPasswordReset.PasswordResetService.ProcessRequest(Message requestMessage, String trackingId)",
			"Microsoft.CredentialManagement.OnPremisesPasswordReset.PasswordResetService.<>c__DisplayClass12_0.<ResetUserPassword>b__0()",
			"Microsoft.CredentialManagement.OnPremisesPasswordReset.Shared.OperationContextHelper.ExecuteWithTelemetry[T](Func`1 operation, String operationName, String trackingId)",
			"--- End of stack trace from previous location where exception was thrown ---",
			"System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw()",
			"System.Runtime.CompilerServices.TaskAwaiter.HandleNonSuccessAndDebuggerNotification(Task task)",
			"SyncInvokeResetUserPassword(Object , Object[] , Object[] )",
			"System.ServiceModel.Dispatcher.SyncMethodInvoker.Invoke(Object instance, Object[] inputs, Object[]& outputs)",
			"System.ServiceModel.Dispatcher.DispatchOperationRuntime.InvokeBegin(MessageRpc& rpc)",
			"System.ServiceModel.Dispatcher.ImmutableDispatchRuntime.ProcessMessage5(MessageRpc& rpc)",
			"System.ServiceModel.Dispatcher.ImmutableDispatchRuntime.ProcessMessage41(MessageRpc& rpc)",
			"System.ServiceModel.Dispatcher.ImmutableDispatchRuntime.ProcessMessage4(MessageRpc& rpc)",
			"System.ServiceModel.Dispatcher.ImmutableDispatchRuntime.ProcessMessage31(MessageRpc& rpc)",
			"System.ServiceModel.Dispatcher.ImmutableDispatchRuntime.ProcessMessage3(MessageRpc& rpc)",
			"System.ServiceModel.Dispatcher.ImmutableDispatchRuntime.ProcessMessage2(MessageRpc& rpc)",
			"System.ServiceModel.Dispatcher.ImmutableDispatchRuntime.ProcessMessage11(MessageRpc& rpc)",
			"System.ServiceModel.Dispatcher.ImmutableDispatchRuntime.ProcessMessage1(MessageRpc& rpc)",
			"System.ServiceModel.Dispatcher.MessageRpc.Process(Boolean isOperationContextSet)",
			"Microsoft.ServiceBus.Channels.ServiceChannelHost.ProcessRequestAsync(RequestContext context, CancellationToken token)",
			"Microsoft.ServiceBus.Messaging.Amqp.AmqpRelayedConnection.OnReceiveRequest(AmqpMessage request)",
		)
	}
	return fr
}

// Messages of the HRESULTs used (event-formats.md; the last one is the
// Windows text of 0x800708C5, with commas).
const (
	msg80230405 = "The operation failed because the object cannot be found"
	msg80230626 = "The password could not be updated because the management agent credentials were denied access."
	msg80230619 = "A restriction prevents the password from being changed to the current one specified."
	msg800708C5 = "The password does not meet the password policy requirements. Check the minimum password length, password complexity and password history requirements."
	msgProtect  = "Requesting user was denied access to perform the operation on a privileged account."
)

const syncVersion = "Azure AD Sync 2.5.79.0"

// adsync6329 returns the data strings of an ADSync 6329. With one string,
// it is the whole text as Event Viewer renders it; with two, the quoted
// trace and the product version (INFERRED split). If noNewline, the trace
// runs straight into "Azure AD Sync" as in seed 000.
func adsync6329(trace string, strings2, noNewline bool) []string {
	const head = "An unexpected error has occurred during a password set operation.\r\n"
	if strings2 {
		if noNewline {
			return []string{"\"" + trace, syncVersion + "\""}
		}
		return []string{"\"" + trace + "\r\n", syncVersion + "\""}
	}
	sep := "\r\n"
	if noNewline {
		sep = ""
	}
	return []string{head + "\"" + trace + sep + syncVersion + "\""}
}

// Traces of 6329 for the causes used.
func trace80230405(pid int, anchor string) string {
	return fmt.Sprintf("ERR_: MMS(%d): ..\\ObjectSearcher.cpp(461): AD Object is not present.\r\n"+
		"BAIL: MMS(%d): ..\\ObjectSearcher.cpp(491): 0x80230405 (The operation failed because the object cannot be found): No password writeback targets found. Make sure that the source object exists and is connected to the target objects via MV and the target object is in scope of password sync rule. AAD anchor = %s",
		pid, pid, anchor)
}

func trace80230626(pid int, dn string) string {
	return fmt.Sprintf("ERR_: MMS(%d): admaexport.cpp(3026): ldap_modify_s failed on %s: 0x32 (Insufficient access rights to perform the operation.)\r\n"+
		"BAIL: MMS(%d): admaexport.cpp(3031): 0x80230626 (The password could not be updated because the management agent credentials were denied access.)\r\n"+
		"ERR_: MMS(%d): ..\\ma.cpp(8000): ExportPasswordSet failed with 0x80230626",
		pid, dn, pid, pid)
}

func traceRemoteSAM(pid int, account string) string {
	return fmt.Sprintf("ERR_: MMS(%d): admaexport.cpp(2944): Failed to acquire user information: %s. Error Code: ERROR_ACCESS_DENIED\r\n"+
		"BAIL: MMS(%d): admaexport.cpp(2963): 0x80070005 (Access is denied.)\r\n"+
		"ERR_: MMS(%d): ..\\ma.cpp(8000): ExportPasswordSet failed with 0x80070005",
		pid, account, pid, pid)
}

func trace80230619(pid int) string {
	return fmt.Sprintf("BAIL: MMS(%d): admaexport.cpp(2955): 0x80230619 (A restriction prevents the password from being changed to the current one specified.)\r\n"+
		"ERR_: MMS(%d): ..\\ma.cpp(8000): ExportPasswordSet failed with 0x80230619",
		pid, pid)
}
