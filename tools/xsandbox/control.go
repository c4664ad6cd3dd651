package xsandbox

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ControlPrefix is where the sandbox's own control API lives, for tests and
// tools that run the sandbox in another process. It is not part of X.
const ControlPrefix = "/_sandbox/"

func (s *Sandbox) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_sandbox/{$}", s.servePanel)
	mux.HandleFunc("GET /_sandbox/calls", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Calls()))
	})
	mux.HandleFunc("DELETE /_sandbox/calls", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sandbox/faults", s.controlInjectFault)
	mux.HandleFunc("DELETE /_sandbox/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sandbox/ratelimits", s.controlSetRateLimit)
	mux.HandleFunc("POST /_sandbox/revoke", forUser(s.Revoke))
	mux.HandleFunc("POST /_sandbox/approve", decide(func(req approveRequest) (string, error) { return s.Approve(req.RequestToken, req.UserID) }))
	mux.HandleFunc("POST /_sandbox/deny", decide(func(req denyRequest) (string, error) { return s.Deny(req.RequestToken) }))
	mux.HandleFunc("POST /_sandbox/tokens", s.controlIssueToken)
	mux.HandleFunc("GET /_sandbox/state", s.controlState)
	s.oauth2ControlRoutes(mux)
	mux.HandleFunc("GET /_sandbox/grants", s.controlGrants)
	mux.HandleFunc("POST /_sandbox/tokens/lookup", s.controlLookupToken)
	mux.HandleFunc("/_sandbox/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, controlError{"no such control endpoint: " + r.Method + " " + r.URL.Path})
	})
}

// FaultJSON is a Fault as the control API takes it: POST /_sandbox/faults,
// its durations in milliseconds.
type FaultJSON struct {
	Fault
	DelayMS   int64 `json:"delay_ms,omitempty"`
	ResetInMS int64 `json:"reset_in_ms,omitempty"`
}

// RateLimitJSON is the body of POST /_sandbox/ratelimits.
type RateLimitJSON struct {
	Endpoint string `json:"endpoint"`
	Limit    int    `json:"limit"`
	WindowS  int64  `json:"window_s"`
}

// State is the body of GET /_sandbox/state: the side effects so far and the
// accounts.
type State struct {
	Follows []Follow `json:"follows"`
	DMs     []DM     `json:"dms"`
	Tweets  []Tweet  `json:"tweets"`
	Users   []User   `json:"users"`
}

type controlError struct {
	Error string `json:"error"`
}

func (s *Sandbox) controlInjectFault(w http.ResponseWriter, r *http.Request) {
	var f FaultJSON
	if !readControlJSON(w, r, &f) {
		return
	}
	if !isEndpoint(f.Endpoint) {
		writeJSON(w, http.StatusBadRequest, controlError{fmt.Sprintf("endpoint %q is not one of %s", f.Endpoint, strings.Join(Endpoints(), ", "))})
		return
	}
	if f.DelayMS < 0 || f.ResetInMS < 0 || f.Times < 0 || (f.Status != 0 && (f.Status < 100 || f.Status > 599)) {
		writeJSON(w, http.StatusBadRequest, controlError{"delay_ms, reset_in_ms and times must not be negative, status must be 100-599"})
		return
	}
	if f.After && !f.answers() {
		writeJSON(w, http.StatusBadRequest, controlError{"after needs the answer that replaces X's: close_conn, body, status, x_code or problem_type"})
		return
	}
	f.Delay = time.Duration(f.DelayMS) * time.Millisecond
	f.ResetIn = time.Duration(f.ResetInMS) * time.Millisecond
	s.InjectFault(f.Fault)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sandbox) controlSetRateLimit(w http.ResponseWriter, r *http.Request) {
	var rl RateLimitJSON
	if !readControlJSON(w, r, &rl) {
		return
	}
	if !isEndpoint(rl.Endpoint) || rl.Limit < 0 || rl.WindowS < 0 {
		writeJSON(w, http.StatusBadRequest, controlError{fmt.Sprintf("want endpoint one of %s, limit >= 0 (0 = unlimited), window_s >= 0 (0 = 900)", strings.Join(Endpoints(), ", "))})
		return
	}
	s.SetRateLimit(rl.Endpoint, rl.Limit, time.Duration(rl.WindowS)*time.Second)
	w.WriteHeader(http.StatusNoContent)
}

// forUser serves a control call whose body is {"user_id"}: do(user id),
// then 204.
func forUser(do func(userID string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			UserID string `json:"user_id"`
		}
		if !readControlJSON(w, r, &req) {
			return
		}
		if req.UserID == "" {
			writeJSON(w, http.StatusBadRequest, controlError{"user_id is required"})
			return
		}
		do(req.UserID)
		w.WriteHeader(http.StatusNoContent)
	}
}

// decide serves a control call that decides on an authorization as a click
// on its page would, for tests that sign in without a browser: the body
// read into T, then {"callback_url"} or decision's error (writeDecision).
func decide[T any](decision func(T) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req T
		if readControlJSON(w, r, &req) {
			callback, err := decision(req)
			writeDecision(w, callback, err)
		}
	}
}

// The bodies of POST /_sandbox/approve (Approve) and deny (Deny).
type (
	approveRequest struct {
		RequestToken string `json:"request_token"`
		UserID       string `json:"user_id"`
	}
	denyRequest struct {
		RequestToken string `json:"request_token"`
	}
)

func writeDecision(w http.ResponseWriter, callback string, err error) {
	switch {
	case errors.Is(err, ErrUnknownRequestToken), errors.Is(err, ErrUnknownUser), errors.Is(err, ErrUnknownOAuth2Authorization):
		writeJSON(w, http.StatusNotFound, controlError{err.Error()})
	case errors.Is(err, ErrInvalidAuthorizeRequest):
		writeJSON(w, http.StatusBadRequest, controlError{err.Error()})
	case err != nil:
		writeJSON(w, http.StatusConflict, controlError{err.Error()})
	default:
		writeJSON(w, http.StatusOK, map[string]string{"callback_url": callback})
	}
}

// controlIssueToken is IssueAccessTokenLevel over HTTP: {"user_id",
// "level"} -> {"oauth_token","oauth_token_secret","user_id","level"}; the
// level is optional (the app's own, "dm", when absent), else "read",
// "write" or "dm". The secret is the point of this answer; it is never
// recorded or logged.
func (s *Sandbox) controlIssueToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		UserID string      `json:"user_id"`
		Level  AccessLevel `json:"level"`
	}
	if !readControlJSON(w, r, &req) {
		return
	}
	req.Level = cmp.Or(req.Level, LevelDM)
	if !req.Level.Valid() {
		writeJSON(w, http.StatusBadRequest, controlError{fmt.Sprintf("level %q is not read, write or dm", req.Level)})
		return
	}
	s.mu.Lock()
	_, known := s.userByID[req.UserID]
	s.mu.Unlock()
	if !known {
		writeJSON(w, http.StatusNotFound, controlError{fmt.Sprintf("%v: %q", ErrUnknownUser, req.UserID)})
		return
	}
	token, secret := s.IssueAccessTokenLevel(req.UserID, req.Level)
	writeJSON(w, http.StatusOK, map[string]string{"oauth_token": token, "oauth_token_secret": secret, "user_id": req.UserID,
		"level": string(req.Level)})
}

func (s *Sandbox) controlState(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, State{
		Follows: nonNil(s.Follows()),
		DMs:     nonNil(s.DMs()),
		Tweets:  nonNil(s.Tweets()),
		Users:   nonNil(s.Users()),
	})
}

func (s *Sandbox) servePanel(w http.ResponseWriter, _ *http.Request) {
	var b bytes.Buffer
	if err := panelTemplate.Execute(&b, s.panel()); err != nil {
		http.Error(w, "rendering the panel: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

func readControlJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, controlError{"bad JSON body: " + err.Error()})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
