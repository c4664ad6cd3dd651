package xsandbox

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a misbehaviour of X to inject into the next requests of one
// endpoint, before the sandbox handles them normally.
//
// Delay comes first (cut short if the client gives up). Then exactly one of:
// CloseConn drops the connection without an answer; Body answers that raw
// text; Status (or an XCode or ProblemType alone) answers an error. A fault
// with only Delay and/or Headers lets the request through normally, slowed
// down and/or with those headers added.
//
// With After, the request is first handled normally (X acts: a refresh
// rotates the tokens, a DM is sent), and then the fault's answer replaces
// X's: the answer to a request that took effect is lost.
type Fault struct {
	Endpoint string `json:"endpoint"`         // an Endpoint* name
	Status   int    `json:"status,omitempty"` // HTTP status; when 0, derived from XCode (e.g. 415 -> 403), 429 for a ProblemType, 200 for a Body
	// XCode answers an X v1 error {"errors":[{"code":N,"message":...}]},
	// e.g. 415, 453, 32.
	XCode int `json:"x_code,omitempty"`
	// ProblemType answers a v2 problem of that type, e.g. ProblemUsageCapped.
	ProblemType string            `json:"problem_type,omitempty"`
	Delay       time.Duration     `json:"-"`                 // FaultJSON.DelayMS
	Headers     map[string]string `json:"headers,omitempty"` // added to the answer (faulty or normal)
	// ResetIn, on a v2 endpoint's fault, sets x-rate-limit-reset this long
	// after the sandbox answers (remaining 0): a window measured from the
	// answer, not from when the fault was queued.
	ResetIn   time.Duration `json:"-"`                    // FaultJSON.ResetInMS
	Body      string        `json:"body,omitempty"`       // raw body override, e.g. malformed JSON
	Times     int           `json:"times,omitempty"`      // how many requests it applies to; 0 means 1
	CloseConn bool          `json:"close_conn,omitempty"` // hijack and close the connection without answering
	After     bool          `json:"after,omitempty"`      // answer (CloseConn, Body, Status) only after handling the request
}

// answers reports whether f replaces X's answer.
func (f Fault) answers() bool {
	return f.CloseConn || f.Body != "" || f.Status != 0 || f.XCode != 0 || f.ProblemType != ""
}

type queuedFault struct {
	Fault
	left int
}

// InjectFault queues f. Faults for one endpoint are used in the order they
// were queued, each for f.Times requests.
func (s *Sandbox) InjectFault(f Fault) {
	left := max(f.Times, 1)
	if !isEndpoint(f.Endpoint) {
		s.logf("xsandbox: fault for unknown endpoint %q will never apply (want one of %s)", f.Endpoint, strings.Join(Endpoints(), ", "))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &queuedFault{Fault: f, left: left})
}

// ClearFaults drops every queued fault.
func (s *Sandbox) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault consumes one use of the first fault queued for endpoint.
func (s *Sandbox) takeFault(endpoint string) (Fault, bool) {
	if endpoint == "" {
		return Fault{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range s.faults {
		if q.Endpoint != endpoint {
			continue
		}
		q.left--
		if q.left == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return q.Fault, true
	}
	return Fault{}, false
}

// applyFault carries out f and reports whether it answered (or dropped) the
// request, in which case normal handling must not run.
func (s *Sandbox) applyFault(w http.ResponseWriter, r *http.Request, endpoint string, f Fault, call *Call) bool {
	if f.Delay > 0 {
		timer := time.NewTimer(f.Delay)
		select {
		case <-r.Context().Done():
			timer.Stop()
			call.Error = fmt.Sprintf("injected fault: the client gave up during the %s delay", f.Delay)
			return true
		case <-timer.C:
		}
	}
	if f.After {
		return false // lostAnswer, once the request is handled
	}
	return s.answerFault(w, endpoint, f, call)
}

// lostAnswer carries out an After fault once the request was handled (X's
// answer was rep) and reports whether it replaced the answer.
func (s *Sandbox) lostAnswer(w http.ResponseWriter, endpoint string, f Fault, rep reply, call *Call) bool {
	if !f.After || !f.answers() {
		return false
	}
	call.UserID = rep.userID
	handled := fmt.Sprintf("after X handled the request (its answer was %d)", rep.status)
	if rep.reason != "" {
		handled += ": " + rep.reason
	}
	defer func() { call.Error += "; " + handled }() // on the abort panic of CloseConn too
	return s.answerFault(w, endpoint, f, call)
}

// answerFault answers (or drops) the request as f says, and reports whether
// f did.
func (s *Sandbox) answerFault(w http.ResponseWriter, endpoint string, f Fault, call *Call) bool {
	switch {
	case f.CloseConn:
		call.Error = "injected fault: connection closed without an answer"
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
			return true
		}
		// Not hijackable (HTTP/2, a recorder): the server aborts the
		// response instead. The call is recorded by the deferred record.
		panic(http.ErrAbortHandler)

	case f.Body != "":
		rep := reply{status: cmp.Or(f.Status, http.StatusOK), body: []byte(f.Body), reason: "injected fault: raw body"}
		rep.setHeader("Content-Type", "application/json; charset=utf-8")
		s.writeFaultReply(w, endpoint, f, rep, call)
		return true

	case f.Status != 0 || f.XCode != 0 || f.ProblemType != "":
		s.writeFaultReply(w, endpoint, f, s.faultErrorReply(endpoint, f), call)
		return true
	}
	return false
}

// faultErrorReply builds the error a Fault describes, in the endpoint's own
// style when the fault does not choose one.
func (s *Sandbox) faultErrorReply(endpoint string, f Fault) reply {
	status := f.Status
	if status == 0 {
		switch {
		case v1Codes[f.XCode].status != 0:
			status = v1Codes[f.XCode].status
		case f.ProblemType != "":
			status = http.StatusTooManyRequests
		default:
			status = http.StatusInternalServerError
		}
	}
	reason := "injected fault: status " + strconv.Itoa(status)
	switch {
	case f.XCode != 0:
		return v1ErrorReply(status, f.XCode, reason+", X code "+strconv.Itoa(f.XCode))
	case f.ProblemType != "" || isV2(endpoint):
		return problemReply(status, f.ProblemType, "", "", reason)
	case endpoint == EndpointOAuth2Token || endpoint == EndpointOAuth2Revoke:
		return oauth2Error(status, oauth2FaultError(status), "X is having trouble right now (injected fault).", reason)
	case endpoint == EndpointAuthenticate || endpoint == EndpointOAuth2Authorize:
		return htmlReply(status, errorPage(http.StatusText(status), "X is having trouble right now (injected fault)."), reason)
	default:
		return v1ErrorReply(status, 0, reason)
	}
}

// writeFaultReply writes a fault's answer. A v2 endpoint's answer carries
// rate-limit headers like every v2 answer: the app-wide window's state, with
// nothing remaining on a plain 429 and the true state on a usage-capped one
// (X reports quota left while the monthly cap refuses the call).
func (s *Sandbox) writeFaultReply(w http.ResponseWriter, endpoint string, f Fault, rep reply, call *Call) {
	if isV2(endpoint) {
		s.mu.Lock()
		st := s.limits.peek(endpoint, "", s.opts.Now())
		s.mu.Unlock()
		if rep.status == http.StatusTooManyRequests && !strings.HasSuffix(f.ProblemType, "/usage-capped") {
			st.remaining = 0
		}
		if f.ResetIn > 0 {
			st.remaining, st.reset = 0, s.opts.Now().Add(f.ResetIn)
		}
		st.setHeaders(&rep)
	}
	rep.write(w, f.Headers)
	call.Status, call.Error = rep.status, rep.reason
}
