package actions_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// TestActionFaultMatrix runs each action's call to X (follow, welcome DM,
// opt-in post) against each kind of failure. Every case must end recorded
// on the user item with a reason (never left pending, never retried in a
// loop), and X must never have been asked twice for something it may already
// have done: a timeout or a dropped connection may hide a success, so those
// are not retried (at most once).
func TestActionFaultMatrix(t *testing.T) {
	t.Parallel()
	later := func() map[string]string {
		return map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)}
	}
	faults := []struct {
		kind     string
		fault    xsandbox.Fault
		reason   string
		maxCalls int // calls to the failing endpoint
	}{
		{"timeout", xsandbox.Fault{Delay: 8 * time.Second}, "x_timeout", 1},
		{"dropped connection", xsandbox.Fault{CloseConn: true}, "x_unavailable", 1},
		{"5xx", xsandbox.Fault{Status: 502, Times: 10}, "x_unavailable", 4},
		{"429 with a reset beyond the budget", xsandbox.Fault{Status: 429, Headers: later()}, "x_rate_limited", 1},
		{"malformed answer", xsandbox.Fault{Status: 200, Body: "<html>upstream error</html>"}, "x_malformed", 1},
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
				s := newStack(t, withInvocationTimeout(30*time.Second))
				s.signIn(brandUID, false, false)
				s.drain()
				fault := f.fault
				fault.Endpoint = step.endpoint
				s.sb.InjectFault(fault)
				began := time.Now()
				s.signIn(aliceUID, true, true)
				s.drain()
				state, reason, _ := s.action(aliceUID, step.action)
				if state != "failed" || reason != f.reason {
					t.Fatalf("a_%s = %s/%s, want failed/%s", step.action, state, reason, f.reason)
				}
				if n := s.calls(step.endpoint); n < 1 || n > f.maxCalls {
					t.Fatalf("%d calls to %s, want 1..%d", n, step.endpoint, f.maxCalls)
				}
				// The other actions of the same user still ran.
				for _, other := range steps {
					if other.action != step.action {
						if st, _, _ := s.action(aliceUID, other.action); st != "done" {
							t.Errorf("a_%s = %s after a failure of %s", other.action, st, step.action)
						}
					}
				}
				if took := time.Since(began); took > 25*time.Second {
					t.Errorf("took %v", took)
				}
				// Lambda delivering alice's record again changes nothing.
				s.sb.WaitIdle(2 * time.Second)
				before := len(s.sb.Calls())
				s.invoke(10*time.Second, `{"Records":[{"eventName":"MODIFY","dynamodb":{"Keys":{"uid":{"N":"`+aliceUID+`"}},"SequenceNumber":"1"}}]}`)
				if len(s.sb.Calls()) != before {
					t.Fatal("a redelivered record called X again")
				}
			})
		}
	}
}
