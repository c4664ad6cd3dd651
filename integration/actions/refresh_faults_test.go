package actions_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
	"github.com/twitter-sessions/twitter-sessions/tools/ddbproxy"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// TestRefreshFaultMatrix fails the refresh of an expired OAuth 2.0 token
// (alice's, for her opt-in post) in every way it can fail. A refresh whose
// answer may have been lost (X may even have rotated the tokens before it
// was), or that X refused for the grant, or whose new pair could not be
// saved, or whose holder died, may have spent the refresh token: the user
// is marked reconnect and the token is never presented again, so X never
// revokes the family. A 401 (our client credentials, whatever its body
// says) or a 429 is answered before X looks at the token: the lease is
// released and the user is not marked. In no row does a refresh token reach
// X twice, nor is anyone marked revoked. (The removal of the visitor's
// credentials once her post is finished is off: refreshProtocolOnly.)
func TestRefreshFaultMatrix(t *testing.T) {
	t.Parallel()
	later := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	type outcome int
	const (
		reconnect  outcome = iota // marked; a_tweet skipped with reconnect
		failed                    // a_tweet failed with X's reason; not marked
		handedBack                // nothing claimed; not marked; a redelivery posts
		done                      // refreshed after all; the post is made
	)
	tests := []struct {
		name      string
		fault     func(s *stack, refresh string)
		want      outcome
		reason    string
		presented int // refresh tokens that reached X
		// then runs before the redelivery: the cause goes away.
		then func(s *stack)
	}{
		{"X does not answer in time", tokenFault(xsandbox.Fault{Delay: time.Minute}), reconnect, "reconnect", 0, nil}, // cut by the client: X never rotates
		{"X answers 503", tokenFault(xsandbox.Fault{Status: 503}), reconnect, "reconnect", 0, nil},
		{"the connection drops", tokenFault(xsandbox.Fault{CloseConn: true}), reconnect, "reconnect", 0, nil},
		{"X refuses the grant (invalid_grant: the user revoked the app)", revokeGrant, reconnect, "reconnect", 1, nil},
		{"the new pair cannot be saved", failTheSave, reconnect, "reconnect", 1, nil},
		{"a holder died mid-refresh (its lease expired)", deadHolder, reconnect, "reconnect", 0, nil},
		{"X refreshes, then the connection drops (the answer is lost)", tokenFault(xsandbox.Fault{CloseConn: true, After: true}), reconnect, "reconnect", 1, nil},
		{"X refreshes, then answers 503", tokenFault(xsandbox.Fault{Status: 503, After: true}), reconnect, "reconnect", 1, nil},
		{"X refuses our client credentials (401 invalid_client)", wrongClientSecret, failed, "x_oauth2_invalid_client", 0, rightClientSecret},
		{"X answers 401 without an OAuth 2.0 error code (a problem document)", tokenFault(xsandbox.Fault{Status: 401,
			Body: `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`}), failed, "x_oauth2_invalid_client", 0, requeueThePost},
		{"X answers 429 beyond the invocation's time", tokenFault(xsandbox.Fault{Status: 429, Headers: map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": later}}), handedBack, "", 0, nil},
		{"another invocation holds a live lease beyond the wait", liveHolder, handedBack, "", 0, holderGivesUp},
		{"too little time is left to finish a refresh", longLease, handedBack, "", 0, usualLease},
		{"X answers 429 and the window opens within the invocation's time", shortWindow, done, "", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, teststack.ViaProxy())
			s.refreshProtocolOnly()
			s.signIn(brandUID, false, false)
			c := s.signInOAuth2(aliceUID, false, true, 0)
			tt.fault(s, c.Refresh)

			back := s.handedBack(refreshBudget, aliceUID)
			if (len(back) == 1) != (tt.want == handedBack) {
				t.Fatalf("handed back %v", back)
			}
			switch tt.want {
			case reconnect:
				s.wantAction(aliceUID, "tweet", "skipped", tt.reason)
				s.wantAction(aliceUID, "welcome", "done", "") // the brand's token, not hers
			case failed:
				s.wantAction(aliceUID, "tweet", "failed", tt.reason)
			case handedBack:
				s.wantAction(aliceUID, "tweet", "pending", "")
				s.wantAction(aliceUID, "welcome", "pending", "")
			case done:
				s.wantAction(aliceUID, "tweet", "done", "")
			}
			if got := s.reconnect(aliceUID); got != (tt.want == reconnect) {
				t.Fatalf("alice marked reconnect: %v", got)
			}
			if s.revoked(aliceUID) {
				t.Fatal("a refresh's failure marked alice revoked: no write reached X with her token")
			}
			if s.leased(aliceUID) != (tt.name == "another invocation holds a live lease beyond the wait") {
				t.Fatalf("a refresh lease on alice's item: %v", s.leased(aliceUID))
			}
			if n := len(s.refreshesOf(aliceUID)); n != tt.presented {
				t.Fatalf("%d refresh tokens of alice reached X, want %d", n, tt.presented)
			}
			if s.calls("tweet") != 0 && tt.want != done {
				t.Fatal("the post was attempted without a usable token")
			}

			// Lambda delivers the record again (the faults are spent).
			presented := len(s.refreshesOf(aliceUID))
			if tt.then != nil {
				tt.then(s)
			}
			s.handedBack(refreshBudget, aliceUID)
			if tt.want == handedBack {
				s.wantAction(aliceUID, "tweet", "done", "")
			}
			if tt.want == failed || tt.want == handedBack {
				presented++ // the same refresh token, once: it was not consumed
			}
			if n := len(s.refreshesOf(aliceUID)); n != presented {
				t.Fatalf("%d refresh tokens of alice reached X after the redelivery, want %d", n, presented)
			}
			s.wantNoRefreshTokenPresentedTwice()
		})
	}
}

func tokenFault(f xsandbox.Fault) func(*stack, string) {
	return func(s *stack, _ string) {
		f.Endpoint = xsandbox.EndpointOAuth2Token
		s.sb.InjectFault(f)
	}
}

// revokeGrant revokes alice's grant at X, as the user revoking the app does.
func revokeGrant(s *stack, refresh string) {
	if err := tokenClient(s, teststack.ClientSecret).Revoke(context.Background(), refresh, "refresh_token"); err != nil {
		s.t.Fatal(err)
	}
}

// failTheSave fails the write of the new pair (every attempt the DynamoDB
// client makes): the lease's write goes through, the save does not, the
// reconnect mark does.
func failTheSave(s *stack, _ string) {
	// Before the save: the user's read (GetItem), the tokens' read (GetItem),
	// the lease (UpdateItem).
	s.proxy.Inject(ddbproxy.Fault{Op: "UpdateItem", Kind: ddbproxy.Error5xx, After: 1, Times: 3})
}

// deadHolder leaves a lease that a holder took and never ended; the
// function's clock is past its end.
func deadHolder(s *stack, _ string) {
	holdLease(s, time.Now().Add(s.tokens().Lease))
	s.tokens().Now = func() time.Time { return time.Now().Add(s.tokens().Lease + time.Second) }
}

// liveHolder leaves a live lease, longer than the function waits.
func liveHolder(s *stack, _ string) {
	holdLease(s, time.Now().Add(time.Hour))
	s.tokens().Wait = 300 * time.Millisecond
}

// longLease makes a refresh need more time than the invocation has left.
func longLease(s *stack, _ string) { s.tokens().Lease += time.Hour }

func usualLease(s *stack) { s.tokens().Lease -= time.Hour }

// shortWindow: X's token endpoint answers 429 with a window that resets in
// about a second.
func shortWindow(s *stack, _ string) {
	reset := time.Unix(time.Now().Add(time.Second).Unix()+1, 0) // X's resets are whole seconds
	s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointOAuth2Token, Status: 429,
		Headers: map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(reset.Unix(), 10)}})
}

// holderGivesUp: the other invocation releases its lease (X answered it
// 429, say).
func holderGivesUp(s *stack) {
	if err := s.users.ReleaseRefreshLease(context.Background(), aliceUID, "another-invocation"); err != nil {
		s.t.Fatal(err)
	}
}

func holdLease(s *stack, until time.Time) {
	st := s.stored(aliceUID)
	ok, err := s.users.TakeRefreshLease(context.Background(), aliceUID, st.Version, tokens.Lease{Owner: "another-invocation", Until: until})
	if err != nil || !ok {
		s.t.Fatalf("taking the lease: %v %v", ok, err)
	}
}

// wrongClientSecret gives the function's token client a secret X does not
// know.
func wrongClientSecret(s *stack, _ string) {
	s.tokens().X = tokenClient(s, "not-the-secret")
	s.t.Cleanup(func() {
		if !strings.Contains(s.logs.String(), "TWITTER_CLIENT_ID") {
			s.t.Error("no log line tells the operator what to fix")
		}
	})
}

// rightClientSecret: the operator fixed the secret; alice's token, not
// consumed, is refreshed once for her next post.
func rightClientSecret(s *stack) {
	s.tokens().X = tokenClient(s, teststack.ClientSecret)
	requeueThePost(s)
}

// requeueThePost: the operator sets alice's failed post back to pending.
func requeueThePost(s *stack) {
	if _, err := s.users.Requeue(context.Background(), aliceUID, useritem.ActionTweet, useritem.StateFailed, time.Now()); err != nil {
		s.t.Fatal(err)
	}
}

func tokenClient(s *stack, secret string) *xoauth2.Client {
	return xoauth2.NewClient(xoauth2.Options{ClientID: teststack.ClientID, ClientSecret: secret, BaseURL: s.cfg.APIBaseURL, HTTPClient: &http.Client{Timeout: 5 * time.Second}})
}
