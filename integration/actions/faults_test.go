package actions_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// TestActionFaultMatrix runs each action's call to X (follow, welcome DM,
// opt-in post) against each kind of failure. Every case must end recorded
// on the user item with a reason (never left pending, never retried in a
// loop), and X must never have been asked twice for something it may already
// have done: after a 5xx, a timeout or a dropped connection X may have acted,
// so the write is made once and recorded unknown (with X's status when it
// answered), with one log line that the unknown-outcomes metric counts.
func TestActionFaultMatrix(t *testing.T) {
	t.Parallel()
	later := func() map[string]string {
		return map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)}
	}
	faults := []struct {
		kind   string
		fault  xsandbox.Fault
		state  string
		reason string
		status int64 // the record's status member: X's answer
	}{
		{"timeout", xsandbox.Fault{Delay: time.Minute}, "unknown", "x_timeout", 0}, // cut by the client's timeout: X never acts
		{"dropped connection", xsandbox.Fault{CloseConn: true}, "unknown", "x_unavailable", 0},
		{"502", xsandbox.Fault{Status: 502, Times: 10}, "unknown", "x_unavailable", 502},
		{"503", xsandbox.Fault{Status: 503, Times: 10}, "unknown", "x_unavailable", 503},
		{"504", xsandbox.Fault{Status: 504, Times: 10}, "unknown", "x_unavailable", 504},
		{"429 with a reset beyond the budget", xsandbox.Fault{Status: 429, Headers: later()}, "failed", "x_rate_limited", 429},
		{"malformed answer", xsandbox.Fault{Status: 200, Body: "<html>upstream error</html>"}, "failed", "x_malformed", 0},
	}
	steps := []struct{ action, endpoint string }{
		{"follow", xsandbox.EndpointFollow},
		{"welcome", xsandbox.EndpointDM},
		{"tweet", xsandbox.EndpointTweet},
	}
	for _, step := range steps {
		for _, f := range faults {
			t.Run(step.action+" "+f.kind, func(t *testing.T) {
				t.Parallel()
				s := newStack(t, teststack.WithInvocationTimeout(30*time.Second))
				s.signIn(brandUID, false, false)
				s.drain()
				fault := f.fault
				fault.Endpoint = step.endpoint
				s.sb.InjectFault(fault)
				s.signIn(aliceUID, true, true)
				s.drain()
				state, reason, attempts := s.action(aliceUID, step.action)
				if state != f.state || reason != f.reason || attempts != 1 {
					t.Fatalf("a_%s = %s/%s after %d calls, want %s/%s after 1", step.action, state, reason, attempts, f.state, f.reason)
				}
				if st := s.actionStatus(aliceUID, step.action); st != f.status {
					t.Errorf("a_%s.status = %d, want %d", step.action, st, f.status)
				}
				if n := s.calls(step.endpoint); n != 1 {
					t.Fatalf("%d calls to %s, want exactly 1", n, step.endpoint)
				}
				unknown := s.unknownLines()
				if f.state == "unknown" && (len(unknown) != 1 || unknown[0]["uid"] != aliceUID || unknown[0]["action"] != step.action) {
					t.Errorf("log lines with state unknown: %v, want one for alice's %s", unknown, step.action)
				}
				if f.state != "unknown" && len(unknown) != 0 {
					t.Errorf("log lines with state unknown: %v, want none", unknown)
				}
				// The other actions of the same user still ran.
				for _, other := range steps {
					if other.action != step.action {
						if st, _, _ := s.action(aliceUID, other.action); st != "done" {
							t.Errorf("a_%s = %s after a failure of %s", other.action, st, step.action)
						}
					}
				}
				// Lambda delivering alice's record again changes nothing.
				s.idle()
				before := len(s.sb.Calls())
				s.invoke(10*time.Second, `{"Records":[{"eventName":"MODIFY","dynamodb":{"Keys":{"uid":{"N":"`+aliceUID+`"}},"SequenceNumber":"1"}}]}`)
				if len(s.sb.Calls()) != before {
					t.Fatal("a redelivered record called X again")
				}
			})
		}
	}
}
