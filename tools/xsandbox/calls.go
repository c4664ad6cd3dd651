package xsandbox

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// maxBodyBytes bounds what the sandbox reads of a request body.
const maxBodyBytes = 1 << 20

// Call is one request to X's surface of the sandbox, as recorded. Requests to
// the control API under /_sandbox/ are not recorded.
type Call struct {
	At       time.Time `json:"at"`       // when the request arrived
	Method   string    `json:"method"`   //
	Path     string    `json:"path"`     // URL path, without the query
	Endpoint string    `json:"endpoint"` // an Endpoint* name; "" for an unknown path
	Status   int       `json:"status"`   // 0 when no answer was sent (closed connection, client gone)
	// UserID is the X user the request acted for: the token's user on v2,
	// the user an access token was issued to, the user who clicked Authorize.
	UserID string `json:"user_id"`
	// Body is the request body of v2 calls (JSON, never a secret). It is
	// empty for the OAuth endpoints, whose bodies are not worth keeping.
	Body string `json:"body"`
	// Error says why the sandbox refused the request or what fault it
	// injected; "" on success. It never holds a secret.
	Error string `json:"error"`
}

// inbound is a request as an endpoint handler sees it, body already read.
type inbound struct {
	r    *http.Request
	body []byte
	now  time.Time
}

type handlerFunc func(in *inbound) reply

// endpoint wraps an endpoint's handler with what every X endpoint shares:
// reading the body, applying a queued Fault, running the handler under the
// sandbox lock, writing the reply after the lock is released, and recording
// the call (also when a fault aborts the connection).
func (s *Sandbox) endpoint(name string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := Call{At: s.opts.Now(), Method: r.Method, Path: r.URL.Path, Endpoint: name}
		s.mu.Lock()
		s.inFlight++
		s.mu.Unlock()
		defer func() { s.record(call) }() // runs on the abort panic of a CloseConn fault too

		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if isV2(name) {
			call.Body = string(body)
		}
		if err != nil {
			var tooLarge *http.MaxBytesError
			status := http.StatusBadRequest
			if errors.As(err, &tooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			call.Status, call.Error = status, "reading the request body: "+err.Error()
			http.Error(w, http.StatusText(status), status)
			return
		}

		var extraHeaders map[string]string
		f, faulted := s.takeFault(name)
		if faulted {
			if done := s.applyFault(w, r, name, f, &call); done {
				return
			}
			extraHeaders = f.Headers
		}

		s.mu.Lock()
		rep := h(&inbound{r: r, body: body, now: s.opts.Now()})
		s.mu.Unlock()

		if faulted && s.lostAnswer(w, name, f, rep, &call) {
			return
		}
		rep.write(w, extraHeaders)
		call.Status, call.UserID, call.Error = rep.status, rep.userID, rep.reason
	})
}

func (s *Sandbox) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.inFlight--
	s.mu.Unlock()
	s.logf("xsandbox: %s %s endpoint=%q status=%d user=%q error=%q", c.Method, c.Path, c.Endpoint, c.Status, c.UserID, c.Error)
}

// Calls returns every request recorded since New or ResetCalls, in the order
// the sandbox finished answering them.
func (s *Sandbox) Calls() []Call { return snapshot(s, &s.calls) }

// WaitIdle waits up to timeout until no request is in flight, and says
// whether that happened. A client that gave up (a timeout, a dropped
// connection) has its error before the sandbox records the call; tests that
// count calls right after such an error wait for the sandbox first.
func (s *Sandbox) WaitIdle(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		n := s.inFlight
		s.mu.Unlock()
		if n == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ResetCalls forgets the recorded calls.
func (s *Sandbox) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}
