package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// TestInvokeLocalRunsTheGoFunctionsWithoutDocker runs `serverless invoke
// local` (plugins/invoke-local.js: the host-built bootstrap under the Lambda
// Runtime Interface Emulator) on the sample events, against the dev stack.
func TestInvokeLocalRunsTheGoFunctionsWithoutDocker(t *testing.T) {
	t.Parallel()
	s := theStack(t)
	site := s.site.String()
	authenticate := s.sandbox.String() + "/oauth/authenticate?oauth_token="

	tests := []struct {
		name string
		args []string
		// A function that answered: its HTTP status and where it redirects.
		wantStatus   int
		wantLocation string // prefix
		wantBody     string // substring
		// A failed invocation: a non-zero exit and this in the output.
		wantFailure string
	}{
		{
			name:         "the form event starts a sign-in: 303 to the sandbox's authorize page",
			args:         []string{"-f", "generate_session", "-p", "events/http-generate-session-form.json"},
			wantStatus:   303,
			wantLocation: authenticate,
		},
		{
			name:       "the JSON event gets the authorize URL in the body",
			args:       []string{"-f", "generate_session", "-p", "events/http-generate-session-json.json"},
			wantStatus: 200,
			wantBody:   `"authorize_url":"` + authenticate,
		},
		{
			name:         "the callback event without a session fails with a reason",
			args:         []string{"-f", "twitter_callback", "-p", "events/http-callback.json"},
			wantStatus:   302,
			wantLocation: site + "?reason=session_not_found&result=fail&type=twitter",
		},
		{
			name:         "the denied callback event lands on the site as denied",
			args:         []string{"-f", "twitter_callback", "-p", "events/http-callback-denied.json"},
			wantStatus:   302,
			wantLocation: site + "?result=denied&type=twitter",
		},
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
	// One at a time: invocations of a function share its .build/host bootstrap.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := invokeLocal(t, s, tt.args...)
			output := stdout + stderr
			if tt.wantFailure != "" {
				var exit *exec.ExitError
				if !errors.As(err, &exit) {
					t.Fatalf("invoke local: err = %v, want a non-zero exit; output:\n%s", err, output)
				}
				if !strings.Contains(output, tt.wantFailure) {
					t.Errorf("the output does not say %q:\n%s", tt.wantFailure, output)
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
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("statusCode = %d, want %d; output:\n%s", resp.StatusCode, tt.wantStatus, output)
			}
			if loc := resp.Headers["Location"]; !strings.HasPrefix(loc, tt.wantLocation) {
				t.Errorf("Location = %q, want it to start with %q", loc, tt.wantLocation)
			}
			if !strings.Contains(resp.Body, tt.wantBody) {
				t.Errorf("body = %q, want it to contain %q", resp.Body, tt.wantBody)
			}
			// The function's own log line reaches the output (stderr), as Lambda's log would.
			if !strings.Contains(stderr, `"level":`) {
				t.Errorf("no log line of the function in stderr:\n%s", stderr)
			}
		})
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
