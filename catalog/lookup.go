package catalog

import (
	"fmt"
	"strconv"
	"strings"
)

// An Explanation is the answer to one query; exactly one of Events,
// HResult and Cause is set, as Kind says.
type Explanation struct {
	Query   string       `json:"query"`
	Kind    string       `json:"kind"` // event, hresult or cause
	Events  []Event      `json:"events,omitempty"`
	HResult *HResultInfo `json:"hresult,omitempty"`
	Cause   *Cause       `json:"cause,omitempty"`
}

// HResultInfo is an HResult with its code also in hexadecimal, as in the
// catalog document.
type HResultInfo struct {
	Code    uint32   `json:"code"`
	Hex     string   `json:"hex"`
	Symbol  string   `json:"symbol,omitempty"`
	Text    string   `json:"text"`
	Meaning string   `json:"meaning"`
	Causes  []string `json:"causes"`
	Source  string   `json:"source"`
}

// A QueryError reports a query that is malformed (Syntax) or names nothing
// in the
type QueryError struct {
	Query  string
	Syntax bool
	Msg    string
}

func (e *QueryError) Error() string { return fmt.Sprintf("%q: %s", e.Query, e.Msg) }

// Lookup answers one query of `evtxscan explain`: an event id (every
// variant of it), an HRESULT (0x80230405, 80230405, hr=80230405), the name
// of a Win32 or HRESULT error (ERROR_ACCESS_DENIED), a cause id or an event
// name. The error is a *QueryError.
func (c *Catalog) Lookup(query string) (Explanation, error) {
	q := strings.TrimSpace(query)
	r := Explanation{Query: query}
	switch {
	case q == "":
		return r, &QueryError{query, true, "empty query"}

	case isDecimalQuery(q) && len(q) <= 5:
		id, _ := strconv.Atoi(q)
		for _, e := range c.Events() {
			if e.ID == id {
				r.Events = append(r.Events, e)
			}
		}
		if len(r.Events) == 0 {
			return r, &QueryError{query, false, "no event with this id in the catalog " +
				"(evtxscan catalog lists them)"}
		}
		r.Kind = "event"
		return r, nil

	case isCauseID(strings.ToLower(q)):
		k, ok := c.Cause(strings.ToLower(q))
		if !ok {
			return r, &QueryError{query, false, "no cause with this id " +
				"(evtxscan catalog lists them)"}
		}
		r.Kind, r.Cause = "cause", &k
		return r, nil
	}

	if code, ok := ParseHResult(q); ok {
		h, ok := c.HResult(code)
		if !ok {
			return r, &QueryError{query, false, fmt.Sprintf("HRESULT %s is not in the "+
				"catalog; read the text of the event that carries it", FormatHResult(code))}
		}
		r.Kind, r.HResult = "hresult", hresultInfo(h)
		return r, nil
	}
	if isSymbol(q) {
		h, ok := c.HResultBySymbol(q)
		if !ok {
			return r, &QueryError{query, false, "no error code with this name in the catalog"}
		}
		r.Kind, r.HResult = "hresult", hresultInfo(h)
		return r, nil
	}

	if isEventName(q) {
		for _, e := range c.Events() {
			if strings.EqualFold(e.Name, q) || strings.EqualFold(e.Token, q) {
				r.Events = append(r.Events, e)
			}
		}
		if len(r.Events) == 0 {
			return r, &QueryError{query, false, "no event with this name in the catalog"}
		}
		r.Kind = "event"
		return r, nil
	}
	msg := "not an event id, an HRESULT, a cause id or an event name"
	if isDecimalQuery(q) {
		msg = "too long for an event id; an HRESULT has eight hexadecimal digits"
	}
	return r, &QueryError{query, true, msg}
}

func hresultInfo(h HResult) *HResultInfo {
	return &HResultInfo{Code: h.Code, Hex: FormatHResult(h.Code), Symbol: h.Symbol,
		Text: h.Text, Meaning: h.Meaning, Causes: h.Causes, Source: h.Source}
}

// isSymbol reports whether s looks like a Win32 or HRESULT name:
// upper-case words joined by underscores (ERROR_ACCESS_DENIED, E_FAIL).
func isSymbol(s string) bool {
	if !strings.Contains(s, "_") {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

// isCauseID reports whether s looks like a cause id: lower-case words of
// letters and digits joined by single hyphens, at least two words.
func isCauseID(s string) bool {
	words := strings.Split(s, "-")
	if len(words) < 2 {
		return false
	}
	for _, w := range words {
		if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return false
		}
	}
	return true
}

// isEventName reports whether s looks like an event name: a letter, then
// letters and digits.
func isEventName(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		letter := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
		if !letter && (i == 0 || b < '0' || b > '9') {
			return false
		}
	}
	return s != ""
}

func isDecimalQuery(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
