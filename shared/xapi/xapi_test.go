package xapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseError(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		header     http.Header
		code       int
		reason     Reason
		hint       bool
		retryable  bool
	}{
		{"a v1 JSON callback error is read with its code", `{"errors":[{"code":415,"message":"Callback URL not approved for this client application."}]}`, 403, nil, 415, "x_callback_not_approved", true, false},
		{"the XML form of older endpoints is read too", `<?xml version="1.0"?><errors><error code="32">Could not authenticate you.</error></errors>`, 401, nil, 32, "x_auth_failed", true, false},
		{"an access-level error names the plan", `{"errors":[{"code":453,"message":"You currently have access to a subset of X API v2 endpoints"}]}`, 403, nil, 453, "x_access_level", true, false},
		{"a v2 problem is read", `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`, 401, nil, 0, "x_unauthorized", false, false},
		{"a usage-capped 429 is not retryable", `{"title":"UsageCapExceeded","type":"https://api.x.com/2/problems/usage-capped","status":429}`, 429, nil, 0, "x_usage_capped", true, false},
		{"a plain 429 is retryable and keeps its reset", `{"title":"Too Many Requests","type":"about:blank","status":429}`, 429, http.Header{"X-Rate-Limit-Reset": {"1700000000"}, "X-Rate-Limit-Remaining": {"0"}}, 0, "x_rate_limited", false, true},
		{"an HTML 503 falls back to the status", `<html>Over capacity</html>`, 503, nil, 0, "x_unavailable", false, true},
		{"an empty 500 falls back to the status", ``, 500, nil, 0, "x_unavailable", false, true},
		// X's OAuth 2.0 token endpoint, as the sandbox answers each case.
		{"a missing Basic header is invalid_client", `{"error":"unauthorized_client","error_description":"Missing valid authorization header"}`, 401, nil, 0, "x_oauth2_invalid_client", true, false},
		{"a wrong client secret is invalid_client", `{"error":"invalid_client","error_description":"Client authentication failed."}`, 401, nil, 0, "x_oauth2_invalid_client", true, false},
		{"a used or expired code is an invalid grant", `{"error":"invalid_request","error_description":"Value passed for the authorization code was invalid."}`, 400, nil, 0, "x_oauth2_invalid_grant", true, false},
		{"a spent refresh token is an invalid grant", `{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`, 400, nil, 0, "x_oauth2_invalid_grant", true, false},
		{"the RFC's invalid_grant is one too", `{"error":"invalid_grant","error_description":"expired"}`, 400, nil, 0, "x_oauth2_invalid_grant", true, false},
		{"another invalid_request names the redirect_uri", `{"error":"invalid_request","error_description":"Missing required parameter [redirect_uri]."}`, 400, nil, 0, "x_oauth2_invalid_request", true, false},
		{"unauthorized_client with a 400 is the app's flow", `{"error":"unauthorized_client","error_description":"not allowed"}`, 400, nil, 0, "x_oauth2_unauthorized_client", true, false},
		{"an OAuth 2.0 503 is X unavailable", `{"error":"temporarily_unavailable","error_description":"later"}`, 503, nil, 0, "x_unavailable", false, true},
		{"an OAuth 2.0 429 is a rate limit", `{"error":"invalid_request","error_description":"Too Many Requests"}`, 429, nil, 0, "x_rate_limited", false, true},
		{"an error object that is no OAuth 2.0 code falls back to the status", `{"error":{"message":"Not authorized."}}`, 401, nil, 0, "x_unauthorized", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseError("request_token", tt.status, tt.header, []byte(tt.body))
			if e.Code != tt.code || e.Reason() != tt.reason || (e.OperatorHint() != "") != tt.hint || e.Retryable() != tt.retryable {
				t.Fatalf("got code=%d reason=%s hint=%q retryable=%v", e.Code, e.Reason(), e.OperatorHint(), e.Retryable())
			}
			if tt.header != nil && (!e.Limit.Known || e.Limit.Reset.Unix() != 1700000000 || e.Limit.Remaining != 0) {
				t.Fatalf("rate limit = %+v", e.Limit)
			}
		})
	}
}

// fakeClock advances only when the policy sleeps.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return nil
}

func TestRetry(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	fail := func(errs ...error) (func(context.Context) error, *int) {
		n := 0
		return func(context.Context) error {
			n++
			if n <= len(errs) {
				return errs[n-1]
			}
			return nil
		}, &n
	}
	e5xx := &Error{Status: 503}
	e429 := &Error{Status: 429, Limit: RateLimit{Known: true, Reset: start.Add(3 * time.Second)}}
	capped := &Error{Status: 429, Type: "https://api.x.com/2/problems/usage-capped"}

	timeout := fmt.Errorf("%w: slow", ErrTimeout)
	dropped := fmt.Errorf("%w: connection reset", ErrUnreachable)

	tests := []struct {
		name     string
		writes   bool
		errs     []error
		deadline time.Duration
		calls    int
		ok       bool
		waited   time.Duration
	}{
		{"a 5xx is retried after a backoff", false, []error{e5xx}, time.Minute, 2, true, 100 * time.Millisecond},
		{"a 429 waits until the window resets", false, []error{e429}, time.Minute, 2, true, 3500 * time.Millisecond},
		{"a 429 whose reset is beyond the deadline is not waited for", false, []error{e429}, 2 * time.Second, 1, false, 0},
		{"a usage-capped 429 ends at once", false, []error{capped}, time.Minute, 1, false, 0},
		{"a 4xx ends at once", false, []error{&Error{Status: 403, Code: 453}}, time.Minute, 1, false, 0},
		{"a timeout is retried", false, []error{timeout}, time.Minute, 2, true, 100 * time.Millisecond},
		{"attempts are bounded", false, []error{e5xx, e5xx, e5xx, e5xx}, time.Minute, 3, false, 300 * time.Millisecond},
		{"a write answered 502 is not repeated", true, []error{&Error{Status: 502}}, time.Minute, 1, false, 0},
		{"a write answered 503 is not repeated", true, []error{e5xx}, time.Minute, 1, false, 0},
		{"a write answered 504 is not repeated", true, []error{&Error{Status: 504}}, time.Minute, 1, false, 0},
		{"a write that timed out is not repeated", true, []error{timeout}, time.Minute, 1, false, 0},
		{"a write whose connection dropped is not repeated", true, []error{dropped}, time.Minute, 1, false, 0},
		{"a write answered 429 still waits for the reset and is tried again", true, []error{e429}, time.Minute, 2, true, 3500 * time.Millisecond},
		{"a write's 429 then 503 ends at the 503", true, []error{e429, e5xx}, time.Minute, 2, false, 3500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{now: start}
			ctx, cancel := context.WithDeadline(context.Background(), start.Add(tt.deadline))
			defer cancel()
			fn, n := fail(tt.errs...)
			r := Retry{Attempts: 3, Backoff: 100 * time.Millisecond, MaxWait: 10 * time.Second, Margin: time.Second, Writes: tt.writes, Now: clk.Now, Sleep: clk.Sleep}
			err := r.Do(ctx, fn)
			if (err == nil) != tt.ok || *n != tt.calls || clk.now.Sub(start) != tt.waited {
				t.Fatalf("err=%v calls=%d waited=%v", err, *n, clk.now.Sub(start))
			}
			if err != nil && !errors.Is(err, tt.errs[*n-1]) {
				t.Fatalf("returned %v, want the last error", err)
			}
		})
	}
}

func TestOAuth2ErrorsAreNoRevokedUserToken(t *testing.T) {
	e := ParseError("oauth2_token", 401, nil, []byte(`{"error":"invalid_client","error_description":"Client authentication failed."}`))
	if e.Revoked() || e.OAuth2 != "invalid_client" || e.Message != "Client authentication failed." {
		t.Fatalf("%+v revoked=%v", e, e.Revoked())
	}
	if got := e.Error(); got != "x: oauth2_token answered 401 invalid_client: Client authentication failed." {
		t.Fatalf("Error() = %q", got)
	}
	cb := OAuth2Error("oauth2_authorize", "invalid_scope", strings.Repeat("d", 400))
	if cb.Reason() != "x_oauth2_invalid_scope" || cb.OperatorHint() == "" || len(cb.Message) != 300 ||
		!strings.HasPrefix(cb.Error(), "x: oauth2_authorize answered invalid_scope: ddd") {
		t.Fatalf("callback error %q reason %s", cb.Error(), cb.Reason())
	}
}

func TestOutcomeUnknown(t *testing.T) {
	for _, tt := range []struct {
		name    string
		err     error
		unknown bool
	}{
		{"a 500 may hide a success", &Error{Status: 500}, true},
		{"a 502 may hide a success", &Error{Status: 502}, true},
		{"a 504 may hide a success", &Error{Status: 504}, true},
		{"a timeout may hide a success", fmt.Errorf("%w: dm: slow", ErrTimeout), true},
		{"a dropped connection may hide a success", fmt.Errorf("%w: dm: EOF", ErrUnreachable), true},
		{"a 429 is answered before X acts", &Error{Status: 429}, false},
		{"a 403 is a refusal", &Error{Status: 403}, false},
		{"a malformed answer is not a missing one", fmt.Errorf("%w: dm: not JSON", ErrMalformed), false},
		{"another error is not X's", errors.New("no credentials"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := OutcomeUnknown(tt.err); got != tt.unknown {
				t.Fatalf("OutcomeUnknown(%v) = %v", tt.err, got)
			}
		})
	}
}
