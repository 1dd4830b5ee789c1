package correlate

import (
	"strings"

	"github.com/evtxscan/evtxscan/catalog"
)

// Event sources, spelled as in the Provider Name of the log.
const (
	sourcePasswordReset = catalog.SourcePasswordReset
	sourceADSync        = catalog.SourceADSync
	sourceDirSync       = catalog.SourceDirSync
)

// Operations of attempts.
const (
	OpReset      = "reset"
	OpChange     = "change"
	OpAdminReset = "admin_reset"
	OpUnlock     = "unlock"
	OpUnknown    = "unknown"
)

// Outcomes of attempts and of onboarding or offboarding runs.
const (
	OutcomeSuccess    = "success"
	OutcomeFailure    = "failure"
	OutcomeIncomplete = "incomplete"
)

// Join methods of an ADSync 6329 joined to an attempt.
const (
	JoinAnchor    = "anchor"
	JoinHRNearest = "hr-nearest"
)

// kind is the part an event plays for the correlator.
type kind uint8

const (
	kindUnrelated       kind = iota // another provider
	kindOther                       // one of ours, no part to play
	kindStart                       // attempt start
	kindSuccess                     // attempt success
	kindFailure                     // attempt failure
	kindPasswordSet                 // ADSync 6329
	kindNoise                       // ADSync 403/405 around a reset
	kindHashSync                    // Directory Synchronization 656/657
	kindStarted                     // 31015
	kindStopped                     // 31016
	kindHeartbeat                   // 31019
	kindOnboardStart                // 31004
	kindOnboardSuccess              // 31005
	kindOnboardStep                 // 31017, 31018
	kindOffboardStart               // 31012
	kindOffboardSuccess             // 31013
	kindOffboardFail                // 31014
	kindServiceError                // 31034, 31044, 32xxx, 6800
	kindNeighbour                   // errors of the engine met beside writeback: ADSync 6306, Directory Synchronization 611, 6900
)

// isSource reports whether provider is the source name, ignoring case.
// Providers nearly always arrive spelled as registered, and comparing bytes
// is several times cheaper than folding case.
func isSource(provider, name string) bool {
	// Every rune of provider folds to one byte of name (ASCII) only when
	// it is at least one byte long: a shorter provider never matches.
	return provider == name || (len(provider) >= len(name) && strings.EqualFold(provider, name))
}

// sourceIndex returns the index of a writeback source: 0
// PasswordResetService, 1 ADSync, 2 Directory Synchronization, 3 another.
func sourceIndex(provider string) uint8 {
	switch {
	case isSource(provider, sourcePasswordReset):
		return 0
	case isSource(provider, sourceADSync):
		return 1
	case isSource(provider, sourceDirSync):
		return 2
	}
	return 3
}

// classify returns the part an event plays and, for attempt events, the
// operation its id implies.
func classify(provider string, id uint16) (kind, string) {
	return classifyIn(sourceIndex(provider), id)
}

// classifyIn is classify for the source of index src (sourceIndex).
func classifyIn(src uint8, id uint16) (kind, string) {
	switch src {
	case 0:
		switch id {
		case 31001:
			return kindStart, OpReset
		case 31006:
			return kindStart, OpChange
		case 31009:
			return kindStart, OpAdminReset
		case 31002:
			return kindSuccess, OpReset
		case 31007:
			return kindSuccess, OpChange
		case 31010:
			return kindSuccess, OpAdminReset
		case 31003:
			return kindFailure, OpReset
		case 31008:
			return kindFailure, OpChange
		case 31011:
			return kindFailure, OpAdminReset
		case 31004:
			return kindOnboardStart, ""
		case 31005:
			return kindOnboardSuccess, ""
		case 31017, 31018:
			return kindOnboardStep, ""
		case 31012:
			return kindOffboardStart, ""
		case 31013:
			return kindOffboardSuccess, ""
		case 31014:
			return kindOffboardFail, ""
		case 31015:
			return kindStarted, ""
		case 31016:
			return kindStopped, ""
		case 31019:
			return kindHeartbeat, ""
		case 31034, 31044, 6800:
			return kindServiceError, ""
		}
		switch {
		case id >= 33001 && id <= 33009:
			return kindFailure, ""
		case id >= 32000 && id <= 32999:
			return kindServiceError, ""
		}
		return kindOther, ""
	case 1:
		switch id {
		case 6329:
			return kindPasswordSet, ""
		case 403, 405:
			return kindNoise, ""
		case 6800:
			return kindServiceError, ""
		case 6306:
			return kindNeighbour, ""
		}
		return kindOther, ""
	case 2:
		switch id {
		case 656, 657:
			return kindHashSync, ""
		case 611, 6900:
			return kindNeighbour, ""
		}
		return kindOther, ""
	}
	return kindUnrelated, ""
}

// onboardingError reports whether a 32xxx error belongs to an onboarding
// run: those the documents tie to onboarding alone open a failed run even
// when no 31004 precedes them; the others count only inside an open run.
func onboardingError(id int) (alone, inRun bool) {
	switch id {
	case 32007, 32009, 32011:
		return true, true
	case 32001, 32005, 32008, 32010:
		return false, true
	}
	return false, false
}

// offboardingError reports whether a 32xxx error belongs to an offboarding
// run, as onboardingError does.
func offboardingError(id int) (alone, inRun bool) {
	switch id {
	case 32013:
		return true, true
	case 32001, 32009:
		return false, true
	}
	return false, false
}

// NeedsData reports whether the correlator reads the data strings of an
// event with this provider and id. For the others it uses only the time, id
// and record id, so a reader may leave their text undecoded: events of
// other providers, ADSync 403/405, password hash sync 656/657, lifecycle
// events and heartbeats (whose relay and endpoint it still reads when
// given: see parser.Reader.SampleData).
func NeedsData(provider string, id uint16) bool {
	switch k, _ := classify(provider, id); k {
	case kindUnrelated, kindOther, kindNoise, kindHashSync, kindStarted, kindStopped, kindHeartbeat:
		return false
	}
	return true
}

// SamplesData reports whether the correlator wants the data strings of a
// few events of this provider and id, not of each: heartbeats, for the
// relays and endpoints they name.
func SamplesData(provider string, id uint16) bool {
	k, _ := classify(provider, id)
	return k == kindHeartbeat
}
