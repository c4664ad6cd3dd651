package actions_test

import (
	"context"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// TestA401ToAnOAuth2TokenRenewsItOnce: X answering 401 to a token that the
// item says is valid (X expired it early, say) means X did not act: the
// token is refreshed once (forced) and the write made once more. A second
// 401 is a revoked token, as for OAuth 1.0a.
func TestA401ToAnOAuth2TokenRenewsItOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     *xsandbox.Fault // on the post; nil: X expires alice's token early
		state     string
		reason    string
		revoked   bool
		tweetCall int
	}{
		{"the post is made with the renewed token", nil, "done", "", false, 2},
		{"a second 401 marks the user revoked", &xsandbox.Fault{Endpoint: xsandbox.EndpointTweet, Status: 401, Times: 2}, "failed", "revoked", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t)
			s.signIn(brandUID, false, false)
			s.signInOAuth2(aliceUID, false, true, time.Hour)
			if tt.fault != nil {
				s.sb.InjectFault(*tt.fault)
			} else {
				s.sb.ExpireOAuth2Tokens(aliceUID)
			}
			if back := s.handedBack(refreshBudget, aliceUID); len(back) != 0 {
				t.Fatalf("handed back %v", back)
			}
			st, reason, attempts := s.action(aliceUID, "tweet")
			if st != tt.state || reason != tt.reason || attempts != 2 || s.calls("tweet") != tt.tweetCall {
				t.Fatalf("a_tweet %s/%s after %d attempts, %d calls", st, reason, attempts, s.calls("tweet"))
			}
			if got := dynamo.GetBool(s.user(aliceUID), "revoked"); got != tt.revoked {
				t.Fatalf("revoked %v", got)
			}
			if n := len(s.refreshesOf(aliceUID)); n != 1 || s.reconnect(aliceUID) {
				t.Fatalf("%d refreshes, reconnect %v: want one forced refresh", n, s.reconnect(aliceUID))
			}
			if tt.state == "done" && (len(s.sb.Tweets()) != 1 || !s.bearerWorks(aliceUID)) {
				t.Fatal("no post, or the renewed token is not stored")
			}
			s.wantNoRefreshTokenPresentedTwice()
		})
	}
}

func TestA401ToTheBrandsOAuth2TokenRenewsItOnce(t *testing.T) {
	t.Parallel()
	t.Run("the welcome DM is sent with the renewed token", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		s.signInOAuth2(brandUID, false, false, time.Hour)
		s.signIn(aliceUID, false, false)
		s.sb.ExpireOAuth2Tokens(brandUID)
		if back := s.handedBack(refreshBudget, aliceUID); len(back) != 0 {
			t.Fatalf("handed back %v", back)
		}
		if st, _, n := s.action(aliceUID, "welcome"); st != "done" || n != 2 || len(s.dmsTo(aliceUID)) != 1 || s.calls("dm", 401) != 1 {
			t.Fatalf("a_welcome %s after %d attempts; DMs %d", st, n, len(s.dmsTo(aliceUID)))
		}
		if len(s.refreshesOf(brandUID)) != 1 || !s.bearerWorks(brandUID) {
			t.Fatal("the brand's token was not renewed once")
		}
	})
	t.Run("a campaign DM is sent with the renewed token", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		s.signInOAuth2(brandUID, false, false, time.Hour)
		s.subscriber(aliceUID)
		s.subscriber(bobUID)
		s.sb.ExpireOAuth2Tokens(brandUID)
		c := s.runCampaign(refreshBudget, `{"id":"renew","text":"hi"}`).Campaigns[0]
		if c.Status != campaigns.StatusDone || c.Sent != 2 || len(s.sb.DMs()) != 2 || s.calls("dm") != 3 || len(s.refreshesOf(brandUID)) != 1 {
			t.Fatalf("%+v: %d DMs in %d calls, %d refreshes", c, len(s.sb.DMs()), s.calls("dm"), len(s.refreshesOf(brandUID)))
		}
	})
}

// TestABrandThatMustSignInAgainPausesItsDMs: the brand's refresh lost its
// answer (a 503 at X's token endpoint). The brand is marked reconnect: the
// campaign pauses (brand_reconnect), a new welcome DM waits for the brand.
// The brand's next sign-in releases the welcome and the schedule's next run
// resumes the campaign.
func TestABrandThatMustSignInAgainPausesItsDMs(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.signInOAuth2(brandUID, false, false, 0)
	s.subscriber(bobUID)
	s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointOAuth2Token, Status: 503})
	c := s.runCampaign(refreshBudget, `{"id":"paused","text":"hello"}`).Campaigns[0]
	if c.Status != campaigns.StatusBrandReconnect || c.Stopped != campaigns.StopBrandReconnect || c.Sent+c.Skipped != 0 || !s.reconnect(brandUID) {
		t.Fatalf("%+v, brand reconnect %v", c, s.reconnect(brandUID))
	}

	s.signIn(aliceUID, false, false)
	s.handedBack(refreshBudget, aliceUID)
	s.wantAction(aliceUID, "welcome", "waiting_brand", "brand_not_connected")
	c = s.runCampaign(refreshBudget, `{"resume":true}`).Campaigns[0]
	if c.Stopped != campaigns.StopBrandReconnect || s.calls("dm") != 0 || s.calls(xsandbox.EndpointOAuth2Token) != 1 {
		t.Fatalf("%+v: the schedule sent DMs or refreshed the lost grant's token", c)
	}

	s.signInOAuth2(brandUID, false, false, 2*time.Hour) // requests the release
	if s.reconnect(brandUID) {
		t.Fatal("the brand's sign-in did not clear reconnect")
	}
	s.handedBack(refreshBudget, brandUID) // the release requeues alice's welcome
	s.handedBack(refreshBudget, aliceUID)
	s.wantAction(aliceUID, "welcome", "done", "")
	c = s.runCampaign(refreshBudget, `{"resume":true}`).Campaigns[0]
	if c.Status != campaigns.StatusDone || c.Sent != 2 || len(s.dmsTo(bobUID)) != 1 || len(s.dmsTo(aliceUID)) != 2 {
		t.Fatalf("after the brand signed in again: %+v", c)
	}
	s.wantNoRefreshTokenPresentedTwice()
}

// TestOAuth1UsersOnAnOAuth2OnlyStage: a stage without the OAuth 1.0a app
// cannot sign an OAuth 1.0a user's calls; they fail with a reason that says
// so, without a call to X, and the OAuth 2.0 users' actions go on.
func TestOAuth1UsersOnAnOAuth2OnlyStage(t *testing.T) {
	t.Parallel()
	s := newStack(t, teststack.WithEnv("SIGNIN_PROTOCOL", "oauth2"),
		teststack.WithEnv("TWITTER_CONSUMER_KEY", ""), teststack.WithEnv("TWITTER_CONSUMER_SECRET", ""))
	s.signInOAuth2(brandUID, false, false, 2*time.Hour)
	s.signIn(aliceUID, false, true) // OAuth 1.0a tokens from before the switch
	s.signInOAuth2(bobUID, false, true, 2*time.Hour)
	s.handedBack(refreshBudget, aliceUID, bobUID)
	s.wantAction(aliceUID, "tweet", "failed", "no_oauth1_app")
	s.wantAction(aliceUID, "welcome", "done", "") // the brand's token
	s.wantAction(bobUID, "tweet", "done", "")
	if s.calls("tweet") != 1 {
		t.Fatalf("%d post calls: alice's must not reach X", s.calls("tweet"))
	}

	t.Run("a brand holding OAuth 1.0a tokens stops a campaign and marks nobody", func(t *testing.T) {
		s.signIn(brandUID, false, false)
		c := s.runCampaign(refreshBudget, `{"id":"old-brand","text":"hi"}`).Campaigns[0]
		if c.Stopped != campaigns.StopBrandToken || c.LastError != "no_oauth1_app" || c.Status != campaigns.StatusRunning ||
			c.Sent+c.Failed+c.Unknown != 0 || len(s.campaignsSent(aliceUID))+len(s.campaignsSent(bobUID)) != 0 || s.calls("dm") != 2 {
			t.Fatalf("%+v; DM calls %d", c, s.calls("dm"))
		}
		s.signInOAuth2(brandUID, false, false, 2*time.Hour)
		c = s.runCampaign(refreshBudget, `{"resume":true}`).Campaigns[0]
		if c.Status != campaigns.StatusDone || c.Sent != 2 {
			t.Fatalf("once the brand signed in with OAuth 2.0: %+v", c)
		}
	})
}

// advancingX moves the clock by after each DM: a campaign run that lasts
// for hours, as a large one does over its days.
type advancingX struct {
	campaigns.DMSender
	clock *teststack.Clock
	by    time.Duration
}

func (a advancingX) SendDM(ctx context.Context, c signin.Credentials, to, text string) (xapi.DMResult, error) {
	res, err := a.DMSender.SendDM(ctx, c, to, text)
	a.clock.Advance(a.by)
	return res, err
}

// TestALongCampaignRefreshesTheBrandsTokenAsItExpires: the brand's token is
// checked before every DM, and refreshed once each time it is about to
// expire, not before.
func TestALongCampaignRefreshesTheBrandsTokenAsItExpires(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.signInOAuth2(brandUID, false, false, 2*time.Hour)
	for _, uid := range []string{aliceUID, bobUID, daveUID} {
		s.subscriber(uid)
	}
	clock := &teststack.Clock{}
	s.tokens().Now = clock.Now
	s.h.Campaigns.X = advancingX{DMSender: s.h.Campaigns.X, clock: clock, by: 2 * time.Hour}
	c := s.runCampaign(refreshBudget, `{"id":"long","text":"hello"}`).Campaigns[0]
	// Three DMs, two hours apart: the token of the first expires before the
	// second, the second's before the third.
	if c.Status != campaigns.StatusDone || c.Sent != 3 || len(s.refreshesOf(brandUID)) != 2 || s.calls("dm", 401) != 0 {
		t.Fatalf("%+v: %d refreshes, %d 401s", c, len(s.refreshesOf(brandUID)), s.calls("dm", 401))
	}
	s.wantNoRefreshTokenPresentedTwice()
}
