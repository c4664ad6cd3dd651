package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// invokeCase is one `serverless invoke local` and what it must give.
type invokeCase struct {
	name string
	args []string
	// A function that answered: its HTTP status and where it redirects.
	wantStatus   int
	wantLocation string // prefix
	wantBody     string // substring
	// A failed invocation: a non-zero exit and this in the output.
	wantFailure string
}

// signInCases are the sample events of a sign-in under protocol: the start
// sends the browser to that protocol's page at X, and the callback events
// are the ones X sends under it.
func signInCases(s *devStack, protocol string) []invokeCase {
	site := s.site.String()
	page, callback, denied := s.authorizePage().String()+"?", "events/http-callback-oauth2.json", "events/http-callback-oauth2-denied.json"
	if protocol == oauth1 {
		page, callback, denied = s.sandbox.String()+"/oauth/authenticate?oauth_token=", "events/http-callback.json", "events/http-callback-denied.json"
	}
	return []invokeCase{
		{
			name:         "the form event starts a sign-in: 303 to the sandbox's authorize page",
			args:         []string{"-f", "generate_session", "-p", "events/http-generate-session-form.json"},
			wantStatus:   303,
			wantLocation: page,
		},
		{
			name:       "the JSON event gets the authorize URL in the body",
			args:       []string{"-f", "generate_session", "-p", "events/http-generate-session-json.json"},
			wantStatus: 200,
			wantBody:   `"authorize_url":"` + page,
		},
		{
			name:         "the callback event without a session fails with a reason",
			args:         []string{"-f", "twitter_callback", "-p", callback},
			wantStatus:   302,
			wantLocation: site + "?reason=session_not_found&result=fail&type=twitter",
		},
		{
			name:         "the denied callback event lands on the site as denied",
			args:         []string{"-f", "twitter_callback", "-p", denied},
			wantStatus:   302,
			wantLocation: site + "?result=denied&type=twitter",
		},
	}
}

// refusalCases do not depend on the sign-in protocol.
var refusalCases = []invokeCase{
	{
		name:       "a JSON body posted to the form route is refused with 415",
		args:       []string{"-f", "generate_session", "-p", "events/http-broken.json"},
		wantStatus: 415,
		wantBody:   "application/x-www-form-urlencoded",
	},
	{
		name:       "a form posted from another site's page is refused with 403",
		args:       []string{"-f", "generate_session", "-p", "events/http-generate-session-foreign-origin.json"},
		wantStatus: 403,
		wantBody:   "sign-ins start from the brand's own page",
	},
	{
		name:        "an event that is not JSON is a clear error",
		args:        []string{"-f", "generate_session", "-d", `{"version": "2.0",`},
		wantFailure: "is not valid JSON",
	},
	{
		name:        "another function's event (a stream record) fails the invocation with what is wrong",
		args:        []string{"-f", "generate_session", "-p", "events/stream-signin.json"},
		wantFailure: "the event is not an API Gateway HTTP API request",
	},
	{
		name:        "an event the runtime cannot decode fails the invocation",
		args:        []string{"-f", "generate_session", "-d", `{"headers": "not an object"}`},
		wantFailure: `"errorType": "UnmarshalTypeError"`,
	},
	{
		name:        "a function whose configuration is invalid stops at start",
		args:        []string{"-f", "generate_session", "-p", "events/http-generate-session-form.json", "--env", "TOKEN_ENCRYPTION_KEY=c2hvcnQ="},
		wantFailure: "stopped before it could handle the event",
	},
}

// TestInvokeLocalRunsTheGoFunctionsWithoutDocker runs `serverless invoke
// local` (plugins/invoke-local.js: the host-built bootstrap under the Lambda
// Runtime Interface Emulator) on the sample events, against the dev stack:
// a sign-in's events under each protocol (--env SIGNIN_PROTOCOL=...), then
// the refused and broken ones.
func TestInvokeLocalRunsTheGoFunctionsWithoutDocker(t *testing.T) {
	t.Parallel()
	s := theStack(t)
	// One at a time: invocations of a function share its .build/host bootstrap.
	for _, p := range protocols {
		t.Run("over "+p, func(t *testing.T) {
			for _, tc := range signInCases(s, p) {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, s, "--env", "SIGNIN_PROTOCOL="+p) })
			}
		})
	}
	for _, tc := range refusalCases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, s) })
	}
}

// run invokes the function with the case's arguments and extra, and checks
// its outcome.
func (tc invokeCase) run(t *testing.T, s *devStack, extra ...string) {
	t.Helper()
	stdout, stderr, err := invokeLocal(t, s, append(slices.Clone(tc.args), extra...)...)
	output := stdout + stderr
	if tc.wantFailure != "" {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("invoke local: err = %v, want a non-zero exit; output:\n%s", err, output)
		}
		if !strings.Contains(output, tc.wantFailure) {
			t.Errorf("the output does not say %q:\n%s", tc.wantFailure, output)
		}
		return
	}
	if err != nil {
		t.Fatalf("invoke local: %v; output:\n%s", err, output)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal([]byte(stdout), &resp); err != nil {
		t.Fatalf("stdout is not the function's JSON response (%v):\n%s", err, stdout)
	}
	if resp.StatusCode != tc.wantStatus {
		t.Errorf("statusCode = %d, want %d; output:\n%s", resp.StatusCode, tc.wantStatus, output)
	}
	if loc := resp.Headers["Location"]; !strings.HasPrefix(loc, tc.wantLocation) {
		t.Errorf("Location = %q, want it to start with %q", loc, tc.wantLocation)
	}
	if !strings.Contains(resp.Body, tc.wantBody) {
		t.Errorf("body = %q, want it to contain %q", resp.Body, tc.wantBody)
	}
	// The function's own log line reaches the output (stderr), as Lambda's log would.
	if !strings.Contains(stderr, `"level":`) {
		t.Errorf("no log line of the function in stderr:\n%s", stderr)
	}
}

// invokeLocal runs `npx serverless invoke local --stage local` with the dev
// stack's ports (the sample events carry production-like hosts; the
// function's environment decides where it calls).
func invokeLocal(t *testing.T, s *devStack, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append([]string{"--no-install", "serverless", "invoke", "local", "--stage", "local"}, args...)
	argv = append(argv,
		"--env", "TWITTER_API_BASE_URL="+s.sandbox.String(),
		"--env", "TWITTER_AUTHORIZE_URL="+s.authorizePage().String(),
		"--env", "TWITTER_CALLBACK_URL="+s.site.JoinPath("api/twitter-callback").String(),
		"--env", "SITE_CALLBACK_URL="+s.site.String(),
		// The sample events come from make dev's page; this stack's page is on
		// another port.
		"--env", "ALLOWED_ORIGINS=http://127.0.0.1:8080",
	)
	cmd := exec.CommandContext(ctx, "npx", argv...)
	cmd.Dir = s.root
	// The documented way to point the functions at DynamoDB Local.
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL_DYNAMODB="+s.dynamo)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}
