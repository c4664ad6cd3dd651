package signin_test

import (
	"maps"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// TestSignInMakesTheFewestRoundTrips counts every network call on the
// critical path of a sign-in under each protocol. OAuth 1.0a: starting is
// one call to X (request_token) and one write; finishing is one conditional
// delete, one call to X (access_token) and one write. OAuth 2.0: starting is
// one write and no call to X; finishing is the conditional delete, the code
// exchange, users/me (the token answer does not name the user) and one
// write. Any extra call (a read before a write, another lookup at X) fails,
// for a sign-up that keeps its token for its work and for a plain one that
// keeps none: neither revokes nor cleans up on the sign-in's path (the
// actions function does, after the work).
func TestSignInMakesTheFewestRoundTrips(t *testing.T) {
	t.Parallel()
	for _, form := range []string{"follow=true&tweet=true", "follow=false"} {
		t.Run(form, func(t *testing.T) { t.Parallel(); roundTrips(t, form) })
	}
}

func roundTrips(t *testing.T, form string) {
	for _, p := range []struct {
		name    string
		opts    []teststack.Option
		begin   func(s *stack) (approve func() string, cookie string)
		startX  map[string]int // calls to X by endpoint
		finishX map[string]int
	}{
		{
			name: "OAuth 1.0a", opts: []teststack.Option{teststack.ViaProxy()},
			begin: func(s *stack) (func() string, string) {
				st := s.mustStart(form)
				return func() string { return s.authorize(st, aliceUID) }, st.cookie
			},
			startX: map[string]int{"request_token": 1}, finishX: map[string]int{"access_token": 1},
		},
		{
			name: "OAuth 2.0", opts: []teststack.Option{teststack.ViaProxy(), teststack.WithEnv("SIGNIN_PROTOCOL", "oauth2")},
			begin: func(s *stack) (func() string, string) {
				st := s.mustStartOAuth2(form)
				return func() string { return s.approveOAuth2(st, aliceUID) }, st.cookie
			},
			startX: map[string]int{}, finishX: map[string]int{"oauth2_token": 1, "users_me": 1},
		},
	} {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, p.opts...)

			approve, cookie := p.begin(s)
			startDB, startX := s.proxy.Counts(), s.callsByEndpoint()
			if want := map[string]int{"PutItem": 1}; !maps.Equal(startDB, want) {
				t.Errorf("starting: DynamoDB calls %v, want %v", startDB, want)
			}
			if !maps.Equal(startX, p.startX) {
				t.Errorf("starting: calls to X %v, want %v", startX, p.startX)
			}

			query := approve()
			s.proxy.Reset()
			s.sandbox.ResetCalls()
			if q := result(t, s.callback(query, cookie)); q.Get("result") != "success" {
				t.Fatalf("result %v", q)
			}
			finishDB, finishX := s.proxy.Counts(), s.callsByEndpoint()
			if want := map[string]int{"DeleteItem": 1, "UpdateItem": 1}; !maps.Equal(finishDB, want) {
				t.Errorf("finishing: DynamoDB calls %v, want %v", finishDB, want)
			}
			if !maps.Equal(finishX, p.finishX) {
				t.Errorf("finishing: calls to X %v, want %v", finishX, p.finishX)
			}
			t.Logf("%s (%s) round trips: start = %d X %v + DynamoDB %v; finish = %d X %v + DynamoDB %v",
				p.name, form, total(startX), startX, startDB, total(finishX), finishX, finishDB)
		})
	}
}

// callsByEndpoint counts the calls X's sandbox saw, by endpoint.
func (s *stack) callsByEndpoint() map[string]int {
	out := map[string]int{}
	for _, c := range s.sandbox.Calls() {
		out[c.Endpoint]++
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
