package actions_test

import (
	"context"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

func (s *stack) revoked(uid string) bool { return dynamo.GetBool(s.user(uid), useritem.AttrRevoked) }

// TestAUserWhoRevokedTheAppUnderOAuth2IsMarkedRevoked: alice revoked the app
// at X while the item says her token is valid. X answers 401 to her post,
// and the one forced refresh gets invalid_grant: she is marked revoked (and
// reconnect), as a 401 that stands marks an OAuth 1.0a user, and campaigns
// leave her out. Her post finished, her credentials are removed, the
// reconnect mark with them (there is no grant left to reconnect); the
// revoked mark stays.
func TestAUserWhoRevokedTheAppUnderOAuth2IsMarkedRevoked(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.signIn(brandUID, false, false)
	c := s.signInOAuth2(aliceUID, false, true, time.Hour)
	revokeGrant(s, c.Refresh)
	if back := s.handedBack(refreshBudget, aliceUID); len(back) != 0 {
		t.Fatalf("handed back %v", back)
	}
	if st, reason, n := s.action(aliceUID, "tweet"); st != "failed" || reason != "revoked" || n != 1 {
		t.Fatalf("a_tweet %s/%s after %d attempts, want failed/revoked after the one 401", st, reason, n)
	}
	if r := s.refreshesOf(aliceUID); !s.revoked(aliceUID) || len(r) != 1 || r[0].OK {
		t.Fatalf("revoked %v, refreshes %+v: want marked after the one refresh X refused", s.revoked(aliceUID), r)
	}
	s.wantNoCredentials(aliceUID)

	rep := s.runCampaign(refreshBudget, `{"id":"after-revoke","text":"hello"}`).Campaigns[0]
	if rep.Status != campaigns.StatusDone || rep.Sent != 0 || len(s.dmsTo(aliceUID)) != 1 || len(s.campaignsSent(aliceUID)) != 0 {
		t.Fatalf("%+v; %d DMs to alice: want her welcome DM alone", rep, len(s.dmsTo(aliceUID)))
	}
	s.wantNoRefreshTokenPresentedTwice()
}

// TestCampaignsLeaveOutRevokedAndReconnectUsers: a campaign skips a user
// marked revoked or reconnect (their grant is lost: they may have revoked
// the app), each with its reason, and marks neither.
func TestCampaignsLeaveOutRevokedAndReconnectUsers(t *testing.T) {
	t.Parallel()
	s := newStack(t, teststack.WithEnv("LOG_LEVEL", "debug")) // the campaign's skips
	s.subscriber(brandUID)
	for _, uid := range []string{aliceUID, bobUID, daveUID} {
		s.subscriber(uid)
	}
	ctx := context.Background()
	if err := s.users.MarkRevoked(ctx, aliceUID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.users.MarkReconnect(ctx, bobUID, s.stored(bobUID).Version, time.Now()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	rep := s.runCampaign(refreshBudget, `{"id":"skips","text":"hello"}`).Campaigns[0]
	if rep.Status != campaigns.StatusDone || rep.Sent != 1 || len(s.sb.DMs()) != 1 || len(s.dmsTo(daveUID)) != 1 {
		t.Fatalf("%+v; %d DMs", rep, len(s.sb.DMs()))
	}
	for uid, reason := range map[string]string{aliceUID: "revoked", bobUID: "reconnect"} {
		lines := s.logLines("uid", uid)
		if len(s.campaignsSent(uid)) != 0 || len(lines) != 1 || lines[0]["outcome"] != "skipped" || lines[0]["reason"] != reason {
			t.Errorf("%s marked %v; campaign lines %v, want one skipped with %s", uid, s.campaignsSent(uid), lines, reason)
		}
	}
}

// TestABrandThatRevokedTheAppUnderOAuth2IsMarkedRevoked: the same for the
// brand, found by a welcome DM and by a campaign DM: the brand is marked
// revoked, the welcome waits for it, the campaign stops (brand_revoked)
// with the recipient unmarked.
func TestABrandThatRevokedTheAppUnderOAuth2IsMarkedRevoked(t *testing.T) {
	t.Parallel()
	t.Run("a welcome DM waits for the brand", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		c := s.signInOAuth2(brandUID, false, false, time.Hour)
		s.signIn(aliceUID, false, false)
		revokeGrant(s, c.Refresh)
		s.handedBack(refreshBudget, aliceUID)
		s.wantAction(aliceUID, "welcome", "waiting_brand", "brand_not_connected")
		if !s.revoked(brandUID) || !s.reconnect(brandUID) || s.calls("dm") != 1 {
			t.Fatalf("brand revoked %v, reconnect %v; %d DM calls", s.revoked(brandUID), s.reconnect(brandUID), s.calls("dm"))
		}
	})
	t.Run("a campaign stops with brand_revoked", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		c := s.signInOAuth2(brandUID, false, false, time.Hour)
		s.subscriber(aliceUID)
		revokeGrant(s, c.Refresh)
		rep := s.runCampaign(refreshBudget, `{"id":"revoked-brand","text":"hello"}`).Campaigns[0]
		if rep.Stopped != campaigns.StopBrandMissing || rep.LastError != "brand_revoked" || rep.Sent+rep.Failed+rep.Unknown != 0 {
			t.Fatalf("%+v", rep)
		}
		if !s.revoked(brandUID) || len(s.campaignsSent(aliceUID)) != 0 || len(s.sb.DMs()) != 0 {
			t.Fatalf("brand revoked %v; alice marked %v", s.revoked(brandUID), s.campaignsSent(aliceUID))
		}
	})
}

// TestATokenEndpoint401IsNoRevokedBrand: X's token endpoint answers the
// brand's refresh 401 with a problem document (no OAuth 2.0 error code).
// That is our client's credentials, not the brand revoking the app: the
// welcome DM fails with x_oauth2_invalid_client and nobody is marked.
func TestATokenEndpoint401IsNoRevokedBrand(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.signInOAuth2(brandUID, false, false, 0)
	s.signIn(aliceUID, false, false)
	s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointOAuth2Token, Status: 401,
		Body: `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`})
	s.handedBack(refreshBudget, aliceUID)
	s.wantAction(aliceUID, "welcome", "failed", "x_oauth2_invalid_client")
	if s.revoked(brandUID) || s.reconnect(brandUID) || s.calls("dm") != 0 {
		t.Fatalf("brand revoked %v, reconnect %v; %d DM calls", s.revoked(brandUID), s.reconnect(brandUID), s.calls("dm"))
	}
}
