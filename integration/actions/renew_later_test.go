package actions_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/tools/ddbproxy"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// TestARenewalThatCannotHappenNowPutsTheActionBack: X answered 401 to a
// token the item says is valid (X did not act), and the renewal cannot
// happen now. The action goes back to pending, not failed for good: once
// the cause is gone, the next delivery makes the write, once. Nobody is
// marked revoked or reconnect, and no refresh token reaches X twice.
func TestARenewalThatCannotHappenNowPutsTheActionBack(t *testing.T) {
	t.Parallel()
	later := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	tests := []struct {
		name   string
		who    string // whose token X answers 401 to: alice's (her post) or the brand's (her welcome DM)
		action string
		cause  func(s *stack, uid string)
		gone   func(s *stack, uid string) // the cause goes away
	}{
		{"another invocation holds the lease beyond the wait (the post)", aliceUID, "tweet", leaseHeldBeyondTheWait, leaseReleased},
		{"another invocation holds the lease beyond the wait (the welcome DM)", brandUID, "welcome", leaseHeldBeyondTheWait, leaseReleased},
		{"X's token endpoint answers 429 beyond the invocation's time", aliceUID, "tweet", func(s *stack, _ string) {
			s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointOAuth2Token, Status: 429, Headers: map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": later}})
		}, func(*stack, string) {}},
		{"too little time is left to refresh", aliceUID, "tweet", func(s *stack, _ string) { longLease(s, "") }, func(s *stack, _ string) { usualLease(s) }},
		{"the users table fails the renewal's read", aliceUID, "tweet", func(s *stack, _ string) {
			// Before it: alice's read, the brand's (for the welcome DM).
			s.proxy.Inject(ddbproxy.Fault{Op: "GetItem", Kind: ddbproxy.Error5xx, After: 2, Times: 3})
		}, func(s *stack, _ string) { s.proxy.Clear() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, teststack.ViaProxy())
			if tt.who == brandUID {
				s.signInOAuth2(brandUID, false, false, time.Hour)
				s.signIn(aliceUID, false, false)
			} else {
				s.signIn(brandUID, false, false)
				s.signInOAuth2(aliceUID, false, true, time.Hour)
			}
			s.sb.ExpireOAuth2Tokens(tt.who) // X answers 401 to it
			endpoint := map[string]string{"tweet": xsandbox.EndpointTweet, "welcome": xsandbox.EndpointDM}[tt.action]
			tt.cause(s, tt.who)

			if back := s.handedBack(refreshBudget, aliceUID); len(back) != 0 {
				t.Fatalf("handed back %v: the action was claimed", back)
			}
			s.wantAction(aliceUID, tt.action, "pending", "")
			if n := s.calls(endpoint, 401); n != 1 || s.calls(endpoint) != 1 {
				t.Fatalf("%d calls to %s, %d of them 401: want the one X refused", s.calls(endpoint), endpoint, n)
			}
			for _, uid := range []string{aliceUID, brandUID} {
				if s.reconnect(uid) || dynamo.GetBool(s.user(uid), useritem.AttrRevoked) {
					t.Fatalf("%s marked reconnect or revoked", uid)
				}
			}

			tt.gone(s, tt.who)
			if back := s.handedBack(refreshBudget, aliceUID); len(back) != 0 {
				t.Fatalf("handed back %v on the redelivery", back)
			}
			s.wantAction(aliceUID, tt.action, "done", "")
			want := map[string]int{"tweet": 2, "welcome": 1}[tt.action] // her post and welcome DM, or the DM alone
			if n := len(s.sb.Tweets()) + len(s.dmsTo(aliceUID)); n != want {
				t.Fatalf("%d posts and DMs, want %d: each action once", n, want)
			}
			if n := len(s.refreshesOf(tt.who)); n != 1 {
				t.Fatalf("%d refreshes of %s, want one", n, tt.who)
			}
			s.wantNoRefreshTokenPresentedTwice()
		})
	}
}

// TestACampaignWhoseBrandTokenCannotBeRenewedNowResumes: X answered 401 to
// the brand's token on a campaign DM (not sent), and another invocation
// holds the brand's refresh lease. The recipient is unmarked and the run
// stops with brand_token_unavailable; the next run sends every DM once.
func TestACampaignWhoseBrandTokenCannotBeRenewedNowResumes(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.signInOAuth2(brandUID, false, false, time.Hour)
	s.subscriber(aliceUID)
	s.subscriber(bobUID)
	s.sb.ExpireOAuth2Tokens(brandUID)
	leaseHeldBeyondTheWait(s, brandUID)
	c := s.runCampaign(refreshBudget, `{"id":"later","text":"hello"}`).Campaigns[0]
	if c.Stopped != campaigns.StopBrandToken || c.Status != campaigns.StatusRunning || c.Sent+c.Failed+c.Unknown != 0 || len(s.sb.DMs()) != 0 {
		t.Fatalf("%+v, %d DMs", c, len(s.sb.DMs()))
	}
	if len(s.campaignsSent(aliceUID))+len(s.campaignsSent(bobUID)) != 0 || s.reconnect(brandUID) || dynamo.GetBool(s.user(brandUID), useritem.AttrRevoked) {
		t.Fatal("a recipient stayed marked for a DM X did not send, or the brand was marked")
	}

	leaseReleased(s, brandUID)
	c = s.runCampaign(refreshBudget, `{"resume":true}`).Campaigns[0]
	if c.Status != campaigns.StatusDone || c.Sent != 2 || len(s.dmsTo(aliceUID)) != 1 || len(s.dmsTo(bobUID)) != 1 || len(s.refreshesOf(brandUID)) != 1 {
		t.Fatalf("%+v; %d refreshes", c, len(s.refreshesOf(brandUID)))
	}
	s.wantNoRefreshTokenPresentedTwice()
}

// leaseHeldBeyondTheWait: another invocation holds uid's refresh lease
// longer than the function waits.
func leaseHeldBeyondTheWait(s *stack, uid string) {
	st := s.stored(uid)
	ok, err := s.users.TakeRefreshLease(context.Background(), uid, st.Version, tokens.Lease{Owner: "another-invocation", Until: time.Now().Add(time.Hour)})
	if err != nil || !ok {
		s.t.Fatalf("taking the lease: %v %v", ok, err)
	}
	s.tokens().Wait = 300 * time.Millisecond
}

// leaseReleased: the other invocation gives its lease up (X answered it
// 429, say).
func leaseReleased(s *stack, uid string) {
	if err := s.users.ReleaseRefreshLease(context.Background(), uid, "another-invocation"); err != nil {
		s.t.Fatal(err)
	}
}
