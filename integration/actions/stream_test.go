package actions_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

func TestSignedInUsersAreFollowedWelcomedAndTweetedForExactlyOnce(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.signIn(brandUID, false, false)
	s.signIn(aliceUID, true, true) // follow and tweet
	s.signIn(bobUID, true, false)  // follow, no tweet

	st := s.drain()
	// 3 sign-ins delivered; then 3 claims, 6 outcome writes (release,
	// follow x2, welcome x2, tweet) and the removal of alice's and bob's
	// credentials once their follow and post were done, read back and
	// dropped by the filter. The brand's credentials stay.
	if st.Delivered != 3 || st.Read != 3+3+6+2 || st.Filtered != 11 || st.Retried != 0 {
		t.Fatalf("relay: %+v: want the 3 sign-ins delivered and the handler's own 11 writes filtered out", st)
	}
	s.wantNoCredentials(aliceUID)
	s.wantNoCredentials(bobUID)
	if s.storedToken(brandUID) == "" {
		t.Fatal("the brand's credentials were removed")
	}

	if f := s.sb.Follows(); len(f) != 2 || f[0].TargetUserID != brandUID || f[1].TargetUserID != brandUID {
		t.Fatalf("follows %+v", f)
	}
	for _, uid := range []string{aliceUID, bobUID} {
		dms := s.dmsTo(uid)
		if len(dms) != 1 || dms[0].SenderID != brandUID || !strings.HasPrefix(dms[0].Text, welcomeText+"\n\nStop these messages: https://api.brand.example/api/unsubscribe?") {
			t.Fatalf("DMs to %s: %+v", uid, dms)
		}
		s.wantAction(uid, "follow", "done", "")
		s.wantAction(uid, "welcome", "done", "")
		m, _ := dynamo.GetM(s.user(uid), "a_welcome")
		if res, _ := dynamo.GetS(m, "result"); res != dms[0].EventID {
			t.Errorf("a_welcome.result = %q, want the DM event id %s", res, dms[0].EventID)
		}
	}
	tw := s.sb.Tweets()
	if len(tw) != 1 || tw[0].AuthorID != aliceUID || tw[0].Text != tweetText {
		t.Fatalf("tweets %+v: want alice's opt-in tweet only", tw)
	}
	s.wantAction(aliceUID, "tweet", "done", "")
	if _, ok := s.user(bobUID)["a_tweet"]; ok {
		t.Fatal("bob did not opt in, yet a tweet was requested")
	}
	s.wantAction(brandUID, "release", "done", "")
	if s.calls("follow") != 2 || s.calls("dm") != 2 || s.calls("tweet") != 1 {
		t.Fatalf("calls: follow %d dm %d tweet %d", s.calls("follow"), s.calls("dm"), s.calls("tweet"))
	}

	t.Run("a retry of the same stream records repeats nothing", func(t *testing.T) {
		out := s.invoke(10*time.Second, streamEvent(aliceUID, bobUID, brandUID))
		var resp events.DynamoDBEventResponse
		if err := json.Unmarshal(out, &resp); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("answer %s", out)
		}
		if s.calls("follow") != 2 || s.calls("dm") != 2 || s.calls("tweet") != 1 {
			t.Fatal("a retried record called X again")
		}
	})
	t.Run("a returning user is not welcomed again", func(t *testing.T) {
		s.signIn(aliceUID, true, true)
		if st := s.drain(); st.Invocations != 0 {
			t.Fatalf("relay %+v: the returning sign-in invoked the function", st)
		}
		if len(s.sb.DMs()) != 2 || len(s.sb.Tweets()) != 1 {
			t.Fatal("a returning user got a second DM or tweet")
		}
	})
}

func TestIntentModeMakesNoFollowCall(t *testing.T) {
	t.Parallel()
	s := newStack(t, teststack.WithEnv("FOLLOW_MODE", "intent"))
	s.signIn(brandUID, false, false)
	s.signIn(aliceUID, true, false)
	s.drain()
	if s.calls("follow") != 0 || len(s.dmsTo(aliceUID)) != 1 {
		t.Fatalf("follow calls %d, DMs %d", s.calls("follow"), len(s.dmsTo(aliceUID)))
	}
}

func TestFailurePaths(t *testing.T) {
	t.Parallel()
	t.Run("a 429 waits for x-rate-limit-reset and then sends once", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		s.signIn(brandUID, false, false)
		s.drain()
		reset := time.Unix(time.Now().Add(time.Second).Unix()+1, 0) // X's resets are whole seconds
		s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, Status: 429, Headers: map[string]string{
			"x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(reset.Unix(), 10)}})
		s.signIn(aliceUID, false, false)
		s.drain()
		dms := s.dmsTo(aliceUID)
		if len(dms) != 1 || dms[0].At.Before(reset) {
			t.Fatalf("DMs %+v: want one, sent after the reset at %v", dms, reset)
		}
		if s.calls("dm") != 2 || s.calls("dm", 429) != 1 {
			t.Fatalf("dm calls %d (429s %d): want the 429 and one retry after the reset", s.calls("dm"), s.calls("dm", 429))
		}
		if st, _, n := s.action(aliceUID, "welcome"); st != "done" || n != 2 {
			t.Fatalf("a_welcome %s after %d attempts", st, n)
		}
	})
	t.Run("a 429 whose reset is beyond the budget is recorded without a storm", func(t *testing.T) {
		t.Parallel()
		s := newStack(t, teststack.WithInvocationTimeout(4*time.Second))
		s.signIn(brandUID, false, false)
		s.drain()
		s.sb.SetRateLimit(xsandbox.EndpointDM, 1, time.Hour)
		s.signIn(aliceUID, false, false)
		s.signIn(bobUID, false, false)
		s.signIn(carolUID, false, false)
		s.drain()
		if s.calls("dm") != 1 || len(s.sb.DMs()) != 1 {
			t.Fatalf("dm calls %d: the first DM uses the window, the others must not call X at all", s.calls("dm"))
		}
		s.wantAction(aliceUID, "welcome", "done", "")
		for _, uid := range []string{bobUID, carolUID} {
			st, reason, n := s.action(uid, "welcome")
			if st != "failed" || reason != "x_rate_limited" || n != 0 {
				t.Fatalf("%s a_welcome %s/%s after %d calls", uid, st, reason, n)
			}
		}
	})
	t.Run("a 5xx on the DM is not repeated: it is recorded unknown with X's status", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		s.signIn(brandUID, false, false)
		s.drain()
		s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, Status: 503, Times: 10})
		s.signIn(aliceUID, false, false)
		s.drain()
		st, reason, n := s.action(aliceUID, "welcome")
		if st != "unknown" || reason != "x_unavailable" || n != 1 || s.actionStatus(aliceUID, "welcome") != 503 || s.calls("dm") != 1 {
			t.Fatalf("a_welcome %s/%s status %d after %d attempts, %d calls", st, reason, s.actionStatus(aliceUID, "welcome"), n, s.calls("dm"))
		}
		lines := s.unknownLines()
		if len(lines) != 1 || lines[0]["message"] != "action outcome" || lines[0]["x_status"] != float64(503) || lines[0]["level"] != "warn" {
			t.Fatalf("log lines with state unknown: %v", lines)
		}
	})
	t.Run("a 401 marks the user revoked and skips their other actions", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		s.signIn(brandUID, false, false)
		s.signIn(aliceUID, true, true)
		s.sb.Revoke(aliceUID)
		s.drain()
		u := s.user(aliceUID)
		if !dynamo.GetBool(u, "revoked") || dynamo.GetTime(u, "revoked_at").IsZero() {
			t.Fatal("alice is not marked revoked")
		}
		s.wantAction(aliceUID, "follow", "failed", "revoked")
		s.wantAction(aliceUID, "welcome", "skipped", "revoked")
		s.wantAction(aliceUID, "tweet", "skipped", "revoked")
		if s.calls("follow") != 1 || s.calls("dm") != 0 || s.calls("tweet") != 0 {
			t.Fatal("calls were made after the 401")
		}
	})
	t.Run("a 403 on follow is recorded unavailable and not retried", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		s.signIn(brandUID, false, false)
		s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointFollow, Status: 403, Times: 5})
		s.signIn(aliceUID, true, false)
		s.drain()
		s.wantAction(aliceUID, "follow", "unavailable", "follow_not_permitted")
		s.wantAction(aliceUID, "welcome", "done", "")
		if s.calls("follow") != 1 {
			t.Fatalf("follow calls %d", s.calls("follow"))
		}
	})
	t.Run("a 403 on the DM is recorded and not retried", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		s.signIn(brandUID, false, false)
		s.signIn(carolUID, false, false) // accepts no DMs
		s.drain()
		s.wantAction(carolUID, "welcome", "failed", "recipient_refuses_dms")
		if s.calls("dm") != 1 || s.calls("dm", 403) != 1 {
			t.Fatalf("dm calls %d", s.calls("dm"))
		}
	})
}

func TestWelcomeDMsWaitForTheBrandAndGoOutWhenItSignsIn(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.signIn(aliceUID, false, false)
	s.signIn(bobUID, false, false)
	s.drain()
	s.wantAction(aliceUID, "welcome", "waiting_brand", "brand_not_connected")
	s.wantAction(bobUID, "welcome", "waiting_brand", "brand_not_connected")
	if s.calls("dm") != 0 {
		t.Fatal("a DM was attempted without the brand's token")
	}

	s.signIn(brandUID, false, false) // requests a_release
	st := s.drain()
	if len(s.dmsTo(aliceUID)) != 1 || len(s.dmsTo(bobUID)) != 1 || s.calls("dm") != 2 {
		t.Fatalf("after the brand signed in: DMs %+v (relay %+v)", s.sb.DMs(), st)
	}
	s.wantAction(aliceUID, "welcome", "done", "")
	m, _ := dynamo.GetM(s.user(brandUID), "a_release")
	if state, _ := dynamo.GetS(m, "state"); state != "done" {
		t.Fatalf("a_release %v", m)
	}
	if res, _ := dynamo.GetS(m, "result"); res != "released 2" {
		t.Fatalf("a_release result %q", res)
	}

	t.Run("a second brand sign-in releases nothing twice", func(t *testing.T) {
		s.signIn(brandUID, false, false)
		s.drain()
		if s.calls("dm") != 2 {
			t.Fatal("a second release sent DMs again")
		}
	})
}

// crashingClaims fails the outcome write of one action once: a run that
// died between X's answer and the record.
type crashingClaims struct {
	actions.Claimer
	action  useritem.Action
	crashed bool
}

func (c *crashingClaims) RecordOutcome(ctx context.Context, uid string, a useritem.Action, r actions.Record) error {
	if a == c.action && !c.crashed {
		c.crashed = true
		return errors.New("injected crash after the call to X")
	}
	return c.Claimer.RecordOutcome(ctx, uid, a, r)
}

// cancellingX cancels the invocation right after X answered a DM.
type cancellingX struct {
	actions.X
	cancel context.CancelFunc
}

func (c cancellingX) SendDM(ctx context.Context, cr signin.Credentials, to, text string) (xapi.DMResult, error) {
	res, err := c.X.SendDM(ctx, cr, to, text)
	c.cancel()
	return res, err
}

func TestACrashBetweenTheCallAndTheRecordNeverSendsASecondDM(t *testing.T) {
	t.Parallel()
	t.Run("the outcome write fails", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		s.signIn(brandUID, false, false)
		s.drain()
		real := s.h.Stream.Claims
		s.h.Stream.Claims = &crashingClaims{Claimer: real, action: useritem.ActionWelcome}
		s.signIn(aliceUID, false, false)
		s.drain()
		if len(s.dmsTo(aliceUID)) != 1 {
			t.Fatal("no DM")
		}
		s.wantAction(aliceUID, "welcome", "sending", "")

		// Lambda delivers the record again (and again, later on).
		s.h.Stream.Claims = real
		s.invoke(10*time.Second, streamEvent(aliceUID))
		s.wantAction(aliceUID, "welcome", "sending", "") // its run may still be alive
		s.h.Stream.Now = func() time.Time { return time.Now().Add(time.Hour) }
		s.invoke(10*time.Second, streamEvent(aliceUID))
		s.invoke(10*time.Second, streamEvent(aliceUID))
		if len(s.dmsTo(aliceUID)) != 1 || s.calls("dm") != 1 {
			t.Fatalf("DMs to alice %d: a stale sending was sent again", len(s.dmsTo(aliceUID)))
		}
		// A later record of the user marks it unknown, as the sweep would: once.
		s.wantAction(aliceUID, "welcome", "unknown", string(actions.ReasonStuckSending))
		if lines := s.unknownLines(); len(lines) != 1 || !strings.HasPrefix(lines[0]["message"].(string), "stuck action marked unknown") {
			t.Fatalf("log lines with state unknown: %v", lines)
		}
	})
	t.Run("the invocation dies right after X answered", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		s.signIn(brandUID, false, false)
		s.drain()
		s.signIn(aliceUID, false, false)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		real := s.h.Stream.X
		s.h.Stream.X = cancellingX{X: real, cancel: cancel}
		if _, err := s.h.Handle(ctx, json.RawMessage(streamEvent(aliceUID))); err != nil {
			t.Fatal(err)
		}
		s.h.Stream.X = real
		s.drain() // the sign-in's own record, delivered late
		s.invoke(10*time.Second, streamEvent(aliceUID))
		if len(s.dmsTo(aliceUID)) != 1 {
			t.Fatalf("DMs to alice: %d", len(s.dmsTo(aliceUID)))
		}
		s.wantAction(aliceUID, "welcome", "sending", "")
	})
}

func TestTheWelcomeFooterLinkUnsubscribes(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.signIn(brandUID, false, false)
	s.signIn(aliceUID, false, false)
	s.drain()
	dms := s.dmsTo(aliceUID)
	if len(dms) != 1 {
		t.Fatal("no DM")
	}
	_, link, ok := strings.Cut(dms[0].Text, "Stop these messages: ")
	if !ok {
		t.Fatalf("no link in %q", dms[0].Text)
	}
	u, err := url.Parse(link)
	if err != nil || u.Path != unsubscribe.Path || u.Query().Get("uid") != aliceUID {
		t.Fatalf("link %q", link)
	}
	// Served by the twitter_callback function beside the callback.
	routes := s.deps.CallbackRoutes()
	req := events.APIGatewayV2HTTPRequest{RouteKey: "POST /api/unsubscribe", RawPath: u.Path, RawQueryString: u.RawQuery}
	req.RequestContext.HTTP.Method = "POST"
	resp, err := routes(context.Background(), req)
	if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, "unsubscribed") {
		t.Fatalf("status %d err %v", resp.StatusCode, err)
	}
	if dynamo.GetBool(s.user(aliceUID), "subscribed") {
		t.Fatal("alice is still subscribed")
	}
	cb := events.APIGatewayV2HTTPRequest{RouteKey: "GET /api/twitter-callback", RawPath: "/api/twitter-callback", RawQueryString: "oauth_token=x&oauth_verifier=y"}
	cb.RequestContext.HTTP.Method = "GET"
	if resp, err := routes(context.Background(), cb); err != nil || resp.StatusCode != 302 {
		t.Fatalf("the callback route answered %d %v", resp.StatusCode, err)
	}
}

func TestAnOptInPostIsMadeOnlyForASignInThatTickedTheBox(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.signIn(brandUID, false, false)
	s.signIn(aliceUID, false, true)  // ticked: a_tweet pending
	s.signIn(aliceUID, false, false) // signed in again without ticking it, before the action ran
	s.drain()
	s.wantAction(aliceUID, "tweet", "skipped", string(actions.ReasonOptInWithdrawn))
	s.wantAction(aliceUID, "welcome", "done", "")
	if s.calls("tweet") != 0 || len(s.sb.Tweets()) != 0 {
		t.Fatal("a post was made for a sign-in that did not ask for it")
	}
}

// TestCredentialsThatDoNotOpenHandTheRecordBack: right after a key rotation a
// warm function may not know the key the tokens were sealed with. That is
// not a lasting absence of credentials: the record goes back to Lambda with
// its actions still pending (nothing claimed, nothing skipped, no
// waiting_brand), and once the function knows the key a redelivery does
// the work.
func TestCredentialsThatDoNotOpenHandTheRecordBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		rotatedUser   bool // alice's tokens are sealed with the new key
		rotatedBrand  bool // the brand's tokens are
		follow, tweet bool
		handsBack     bool
	}{
		{"a user's follow and post need the user's token", true, false, true, true, true},
		{"a welcome DM needs the brand's token", false, true, false, false, true},
		{"a welcome DM alone does not need the user's token", true, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t)
			sealsWithIt, knowsIt := s.rotatedKey()
			var brandStore, aliceStore signin.UserStore = s.users, s.users
			if tt.rotatedBrand {
				brandStore = sealsWithIt
			}
			if tt.rotatedUser {
				aliceStore = sealsWithIt
			}
			s.signInVia(brandStore, brandUID, false, false)
			s.invoke(10*time.Second, streamEvent(brandUID)) // the brand's release
			s.signInVia(aliceStore, aliceUID, tt.follow, tt.tweet)
			acts := []string{"welcome"}
			if tt.follow {
				acts = append(acts, "follow")
			}
			if tt.tweet {
				acts = append(acts, "tweet")
			}

			var resp events.DynamoDBEventResponse
			if err := json.Unmarshal(s.invoke(10*time.Second, streamEvent(aliceUID)), &resp); err != nil {
				t.Fatal(err)
			}
			if handedBack := len(resp.BatchItemFailures) == 1; handedBack != tt.handsBack {
				t.Fatalf("BatchItemFailures %v, want handed back = %v", resp.BatchItemFailures, tt.handsBack)
			}
			if !tt.handsBack {
				for _, a := range acts {
					s.wantAction(aliceUID, a, "done", "")
				}
				return
			}
			for _, a := range acts {
				s.wantAction(aliceUID, a, "pending", "")
			}
			if n := len(s.sb.Calls()); n != 0 {
				t.Fatalf("%d calls to X for a record handed back", n)
			}

			s.useStore(knowsIt)
			if err := json.Unmarshal(s.invoke(10*time.Second, streamEvent(aliceUID)), &resp); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("redelivery once the key is known: %+v %v", resp, err)
			}
			for _, a := range acts {
				s.wantAction(aliceUID, a, "done", "")
			}
			if len(s.dmsTo(aliceUID)) != 1 {
				t.Fatalf("DMs to alice: %d", len(s.dmsTo(aliceUID)))
			}
		})
	}
}
