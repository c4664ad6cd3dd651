package app_test

import (
	"maps"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// TestSignInMakesTheFewestRoundTrips counts every network call on the
// critical path: starting a sign-in is one call to X and one write; finishing
// it is one conditional delete, one call to X and one write. Any extra call
// (a read before a write, a user lookup at X) fails the test.
func TestSignInMakesTheFewestRoundTrips(t *testing.T) {
	t.Parallel()
	s := newStack(t, teststack.ViaProxy())

	st := s.mustStart("follow=true&tweet=true")
	startDB, startX := s.proxy.Counts(), len(s.sandbox.Calls())
	if want := map[string]int{"PutItem": 1}; !maps.Equal(startDB, want) {
		t.Errorf("starting: DynamoDB calls %v, want %v", startDB, want)
	}
	if startX != 1 || s.calls("request_token") != 1 {
		t.Errorf("starting: %d calls to X, want one request_token", startX)
	}

	query := s.authorize(st, aliceUID)
	s.proxy.Reset()
	s.sandbox.ResetCalls()
	if q := result(t, s.callback(query, st.cookie)); q.Get("result") != "success" {
		t.Fatalf("result %v", q)
	}
	finishDB, finishX := s.proxy.Counts(), len(s.sandbox.Calls())
	if want := map[string]int{"DeleteItem": 1, "UpdateItem": 1}; !maps.Equal(finishDB, want) {
		t.Errorf("finishing: DynamoDB calls %v, want %v", finishDB, want)
	}
	if finishX != 1 || s.calls("access_token") != 1 {
		t.Errorf("finishing: %d calls to X, want one access_token", finishX)
	}
	t.Logf("round trips: start = %d X + DynamoDB %v; finish = %d X + DynamoDB %v", startX, startDB, finishX, finishDB)
}
