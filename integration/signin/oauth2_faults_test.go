package signin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// TestOAuth2TokenEndpointFailuresEndInAClearRedirect is the token endpoint's
// fault matrix at sign-in. The code is single-use: an exchange that may have
// reached X is never repeated. Each failure redirects with its reason (never
// a 5xx), stores no user, and leaves no session to finish again.
func TestOAuth2TokenEndpointFailuresEndInAClearRedirect(t *testing.T) {
	t.Parallel()
	invalidCode := `{"error":"invalid_request","error_description":"Value passed for the authorization code was invalid."}`
	tests := []struct {
		name     string
		opts     []teststack.Option
		endpoint string
		fault    *xsandbox.Fault
		useCode  bool // the code is exchanged by someone else first
		reason   string
		calls    int  // requests to the endpoint
		fix      bool // the log names what to fix
	}{
		{name: "no answer in time ends in x_timeout", endpoint: "oauth2_token", fault: &xsandbox.Fault{Delay: 5 * time.Second, Times: 3}, reason: "x_timeout", calls: 1},
		{name: "a 503 ends in x_unavailable", endpoint: "oauth2_token", fault: &xsandbox.Fault{Status: 503, Times: 3}, reason: "x_unavailable", calls: 1},
		{name: "a dropped connection ends in x_unavailable", endpoint: "oauth2_token", fault: &xsandbox.Fault{CloseConn: true, Times: 3}, reason: "x_unavailable", calls: 1},
		{name: "X refusing the code ends in x_oauth2_invalid_grant", endpoint: "oauth2_token", fault: &xsandbox.Fault{Status: 400, Body: invalidCode}, reason: "x_oauth2_invalid_grant", calls: 1, fix: true},
		{name: "a code already used ends in x_oauth2_invalid_grant", endpoint: "oauth2_token", useCode: true, reason: "x_oauth2_invalid_grant", calls: 2, fix: true},
		{name: "a wrong client secret ends in x_oauth2_invalid_client", opts: []teststack.Option{teststack.WithEnv("TWITTER_CLIENT_SECRET", "not-the-apps-secret")},
			endpoint: "oauth2_token", reason: "x_oauth2_invalid_client", calls: 1, fix: true},
		{name: "a lasting 503 on users/me ends in x_unavailable after its retries", endpoint: "users_me", fault: &xsandbox.Fault{Status: 503, Times: 5}, reason: "x_unavailable", calls: 3},
		{name: "a single 503 on users/me is retried", endpoint: "users_me", fault: &xsandbox.Fault{Status: 503}, calls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newOAuth2Stack(t, tt.opts...)
			st := s.mustStartOAuth2("follow=true")
			query := s.approveOAuth2(st, aliceUID)
			if tt.useCode {
				s.exchangeFirst(st, query)
			}
			if tt.fault != nil {
				f := *tt.fault
				f.Endpoint = tt.endpoint
				s.sandbox.InjectFault(f)
			}
			q := result(t, s.callback(query, st.cookie))
			if n := s.calls(tt.endpoint); n != tt.calls {
				t.Fatalf("%d requests to %s, want %d", n, tt.endpoint, tt.calls)
			}
			if tt.reason == "" {
				if q.Get("result") != "success" {
					t.Fatalf("result %v", q)
				}
				return
			}
			if q.Get("result") != "fail" || q.Get("reason") != tt.reason {
				t.Fatalf("result %v, want fail/%s", q, tt.reason)
			}
			if s.count(s.cfg.TwitterTable) != 0 {
				t.Fatal("a failed sign-in stored a user")
			}
			if q := result(t, s.callback(query, st.cookie)); q.Get("reason") != "session_not_found" {
				t.Fatalf("the session could be finished again: %v", q)
			}
			if hasFix := strings.Contains(s.logs.String(), `"fix":"`); hasFix != tt.fix {
				t.Fatalf("operator hint logged = %v, want %v:\n%s", hasFix, tt.fix, s.logs.String())
			}
			if strings.Contains(s.logs.String(), "not-the-apps-secret") || strings.Contains(s.logs.String(), teststack.ClientSecret) {
				t.Fatal("a client secret is in the logs")
			}
		})
	}
}

// exchangeFirst spends the sign-in's code at X as if another party had used
// it: the verifier comes from the session, the client is the app's.
func (s *stack) exchangeFirst(st started2, query string) {
	s.t.Helper()
	verifier := s.open(s.session(st.state), "request_secret", "session:"+st.state)
	q, _ := url.ParseQuery(query)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {callbackURL}, "code_verifier": {verifier}}
	req, _ := http.NewRequest(http.MethodPost, s.xURL+"/2/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(teststack.ClientID, teststack.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		s.t.Fatalf("the test's own exchange answered %d", resp.StatusCode)
	}
}

// X sends errors of the authorize step back through the browser: each ends
// in its reason, with what to fix in the log.
func TestOAuth2AuthorizeErrorsEndInTheirReason(t *testing.T) {
	t.Parallel()
	s := newOAuth2Stack(t)
	for _, tt := range []struct{ code, reason string }{
		{"invalid_scope", "x_oauth2_invalid_scope"},
		{"unauthorized_client", "x_oauth2_unauthorized_client"},
		{"invalid_request", "x_oauth2_invalid_request"},
		{"temporarily_unavailable", "x_unavailable"},
	} {
		t.Run(tt.code+" ends in "+tt.reason, func(t *testing.T) {
			st := s.mustStartOAuth2("follow=true")
			q := result(t, s.callback("error="+tt.code+"&error_description=refused&state="+st.state, st.cookie))
			if q.Get("result") != "fail" || q.Get("reason") != tt.reason {
				t.Fatalf("result %v", q)
			}
		})
	}
	if s.count(s.cfg.TwitterTable) != 0 || s.calls("oauth2_token") != 0 {
		t.Fatal("an authorize error stored a user or reached the token endpoint")
	}
}
