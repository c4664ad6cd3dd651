package actions_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// erin is a sandbox account besides xsandbox.DefaultUsers (OAuth 2.0 calls
// need one).
var erin = teststack.WithUsers([]xsandbox.User{{ID: erinUID, Username: "erin", Name: "Erin Example", AcceptsDMsFrom: "all"}})

// wantRevokedAtX fails the test unless uid's credentials c were revoked at
// X exactly once with their protocol's call (OAuth 2.0: the access token,
// the visitor's grant having no refresh token; OAuth 1.0a: invalidate_token)
// and a v2 call with the old token answers 401.
func (s *stack) wantRevokedAtX(uid string, c signin.Credentials) {
	s.t.Helper()
	want2, want1 := 1, 0
	if !c.OAuth2() {
		want2, want1 = 0, 1
	}
	if o2, o1 := s.revocations(uid); o2 != want2 || o1 != want1 {
		s.t.Errorf("%s: %d OAuth 2.0 revocations and %d OAuth 1.0a invalidations at X, want %d and %d", uid, o2, o1, want2, want1)
	}
	if st := s.meStatus(c); st != http.StatusUnauthorized {
		s.t.Errorf("%s's old token answers %d at X, want 401", uid, st)
	}
}

// wantBrandKept fails the test unless the brand's item holds its
// credentials, they work at X, and X was never asked to revoke them.
func (s *stack) wantBrandKept() {
	s.t.Helper()
	st := s.stored(brandUID)
	if st.Credentials.Token == "" || !slices.Contains(s.credentialAttrs(brandUID), useritem.AttrKind) {
		s.t.Fatalf("the brand's item holds %v", s.credentialAttrs(brandUID))
	}
	if code := s.meStatus(st.Credentials); code != http.StatusOK {
		s.t.Errorf("the brand's token answers %d at X", code)
	}
	if o2, o1 := s.revocations(brandUID); o2+o1 != 0 {
		s.t.Errorf("the brand's credentials were revoked at X (%d, %d)", o2, o1)
	}
}

// TestAVisitorsCredentialsGoOnceTheirWorkIsFinished: whatever became of a
// visitor's follow and post (done, failed, unavailable, skipped, unknown),
// once the stream path has recorded it the item holds none of the
// credential attributes, X was asked once to revoke the token (OAuth 2.0
// revoke, OAuth 1.0a invalidate_token), and the old token answers 401. The
// brand's credentials stay, and a redelivery of the record revokes nothing
// more.
func TestAVisitorsCredentialsGoOnceTheirWorkIsFinished(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		follow, tweet bool
		before        func(s *stack) // after the sign-in, before the run
		want          map[string][2]string
	}{
		{"the follow is done", true, false, nil,
			map[string][2]string{"follow": {"done", ""}}},
		{"the post is done", false, true, nil,
			map[string][2]string{"tweet": {"done", ""}}},
		{"the follow and the post are done", true, true, nil,
			map[string][2]string{"follow": {"done", ""}, "tweet": {"done", ""}}},
		{"the post failed", false, true, func(s *stack) {
			s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointTweet, Status: 403})
		}, map[string][2]string{"tweet": {"failed", "x_forbidden"}}},
		{"the follow is unavailable", true, false, func(s *stack) {
			s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointFollow, Status: 403})
		}, map[string][2]string{"follow": {"unavailable", "follow_not_permitted"}}},
		{"the post is skipped: a later sign-in unticked it", false, true, func(s *stack) {
			s.signInPlain(aliceUID, false, false)
		}, map[string][2]string{"tweet": {"skipped", string(actions.ReasonOptInWithdrawn)}}},
		{"the post's outcome is unknown", false, true, func(s *stack) {
			s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointTweet, Status: 503})
		}, map[string][2]string{"tweet": {"unknown", "x_unavailable"}}},
	}
	for _, proto := range protocols {
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				s := newStack(t)
				s.signInBrand(proto)
				c := s.signInVisitor(proto, aliceUID, tt.follow, tt.tweet)
				if tt.before != nil {
					tt.before(s)
				}
				if st := s.drain(); st.Retried != 0 || st.Abandoned != 0 {
					t.Fatalf("relay %+v", st)
				}
				for a, w := range tt.want {
					s.wantAction(aliceUID, a, w[0], w[1])
				}
				s.wantAction(aliceUID, "welcome", "done", "")
				s.wantNoCredentials(aliceUID)
				s.wantRevokedAtX(aliceUID, c)
				s.wantBrandKept()
				lines := s.removedLines(aliceUID)
				if len(lines) != 1 || lines[0]["kind"] != string(c.Kind) || lines[0]["revoked_at_x"] != true || lines[0]["work_finished"] != true {
					t.Fatalf("removal lines %v: want one, revoked at X", lines)
				}

				calls := len(s.sb.Calls())
				if back := s.handedBack(10*time.Second, aliceUID); len(back) != 0 {
					t.Fatalf("redelivery handed back %v", back)
				}
				if n := len(s.sb.Calls()); n != calls {
					t.Fatalf("a redelivery made %d calls to X", n-calls)
				}
			})
		}
	}
}

// TestTheBrandsCredentialsAreNeverRemoved: neither the stream path nor the
// sweep removes or revokes the brand's credentials, whether its item says
// brand=true (its own start) or is only FOLLOW_UID's (an item an earlier
// version stored, with its own post done), even a day and more after they
// were stored or with no cred_at at all; the store refuses to remove an
// item marked brand.
func TestTheBrandsCredentialsAreNeverRemoved(t *testing.T) {
	t.Parallel()
	for _, proto := range protocols {
		for _, flagged := range []bool{true, false} {
			name := proto + "/brand=true"
			if !flagged {
				name = proto + "/FOLLOW_UID without the brand flag"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				s := newStack(t)
				if flagged {
					s.signInBrand(proto)
				} else {
					// The brand signed in on the page as a visitor, an earlier
					// version storing its grant with the opt-in post to do.
					c := s.visitorGrant(proto, brandUID, false, true, 2*time.Hour)
					if _, err := s.users.SaveSignIn(context.Background(), signin.User{
						Identity:   signin.Identity{UserID: brandUID, ScreenName: "brand", Credentials: c},
						Choices:    signin.Choices{Tweet: true},
						SignedInAt: time.Now(),
						Actions:    []useritem.Action{useritem.ActionWelcome, useritem.ActionTweet},
					}); err != nil {
						t.Fatal(err)
					}
				}
				s.signInVisitor(proto, aliceUID, false, true)
				s.drain()
				if flagged {
					s.wantAction(brandUID, "release", "done", "")
				} else {
					s.wantAction(brandUID, "tweet", "done", "")
					s.wantAction(brandUID, "welcome", "skipped", string(actions.ReasonBrandAccount))
				}
				s.wantNoCredentials(aliceUID)
				s.wantBrandKept()

				// Two days on, its cred_at gone as an earlier version's:
				// the sweep finds no visitor token to remove.
				s.dropCredentialsAt(brandUID)
				s.h.Stream.Now = func() time.Time { return time.Now().Add(48 * time.Hour) }
				if got := s.sweep(10 * time.Second); got.Tokens != 0 || got.Removed != 0 || !got.TokensComplete {
					t.Fatalf("sweep %+v", got)
				}
				if len(s.removedLines(brandUID)) != 0 {
					t.Fatal("a removal line for the brand")
				}
				if st := s.stored(brandUID); st.Credentials.Token == "" || s.meStatus(st.Credentials) != http.StatusOK || s.revokeCalls() != 1 {
					t.Fatalf("after the sweep the brand holds %v; %d revocations at X (alice's alone)", s.credentialAttrs(brandUID), s.revokeCalls())
				}
				if flagged {
					ok, err := s.users.RemoveCredentials(context.Background(), brandUID, s.sealedToken(brandUID), false)
					if err != nil || ok {
						t.Fatalf("the store removed the brand's credentials: %v %v", ok, err)
					}
					s.wantBrandKept()
				}
			})
		}
	}
}

// TestASignInDuringTheRemovalKeepsItsNewCredentials: a new sign-in (new
// credentials written by userstore's SaveSignIn) lands between the read of
// a visitor and the removal of their credentials, on the stream path and
// on the sweep. The removal, conditional on the token it read, is refused:
// the new credentials stay, work at X and are not revoked. They have no
// work left either, and the next sweep removes and revokes them.
func TestASignInDuringTheRemovalKeepsItsNewCredentials(t *testing.T) {
	t.Parallel()
	for _, proto := range protocols {
		for _, path := range []string{"stream", "sweep"} {
			t.Run(proto+"/"+path, func(t *testing.T) {
				t.Parallel()
				s := newStack(t)
				s.signInBrand(proto)
				s.signInVisitor(proto, aliceUID, false, true)
				remover := s.h.Stream.Credentials
				var fresh signin.Credentials
				race := &racingRemover{CredentialRemover: remover, uid: aliceUID, before: func() {
					fresh = s.visitorGrant(proto, aliceUID, false, true, 2*time.Hour)
					s.saveSignIn(s.users, aliceUID, false, true, fresh)
				}}
				if path == "stream" {
					s.h.Stream.Credentials = race
					s.drain()
				} else {
					s.h.Stream.Credentials = nil // the record of the post is lost before its clean-up
					s.drain()
					s.h.Stream.Credentials = race
					if got := s.sweep(10 * time.Second); got.Tokens != 1 || got.Removed != 0 {
						t.Fatalf("sweep %+v: want alice's token found, not removed", got)
					}
				}
				s.wantAction(aliceUID, "tweet", "done", "")
				if fmt.Sprint(race.results) != "[false]" {
					t.Fatalf("removals of alice's credentials answered %v, want one refused", race.results)
				}
				if got := s.storedToken(aliceUID); got != fresh.Token {
					t.Fatal("alice's item does not hold the new sign-in's token")
				}
				if code := s.meStatus(fresh); code != http.StatusOK {
					t.Fatalf("the new token answers %d at X", code)
				}
				if s.revokeCalls() != 0 || len(s.removedLines(aliceUID)) != 0 {
					t.Fatalf("%d revocations at X, removal lines %v: want none", s.revokeCalls(), s.removedLines(aliceUID))
				}

				s.h.Stream.Credentials = remover
				if got := s.sweep(10 * time.Second); got.Tokens != 1 || got.Removed != 1 || got.RevokeFailed != 0 {
					t.Fatalf("the next sweep: %+v", got)
				}
				s.wantNoCredentials(aliceUID)
				s.wantRevokedAtX(aliceUID, fresh)
				s.wantBrandKept()
			})
		}
	}
}

// TestTheSweepRemovesVisitorTokensALostRecordOrADayLeft: the sweep finds
// four visitors holding credentials: one whose post is done but whose
// clean-up never ran (the record was lost), one whose post is still pending
// a day and more after the sign-in, one with a pending post stored by an
// earlier version (no cred_at), and one signed in a minute ago with its
// post pending. It removes and revokes the first three, leaves the fourth,
// never touches the brand, and logs counts and uids, never a token. The
// pending posts of the removed ones are skipped without a call to X.
func TestTheSweepRemovesVisitorTokensALostRecordOrADayLeft(t *testing.T) {
	t.Parallel()
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, erin)
			s.signInBrand(proto)
			lost := s.signInVisitor(proto, aliceUID, false, true)
			remover := s.h.Stream.Credentials
			s.h.Stream.Credentials = nil // the run dies after recording the post, before the clean-up
			s.drain()
			s.h.Stream.Credentials = remover
			s.wantAction(aliceUID, "tweet", "done", "")

			old := s.signInVisitorAt(proto, bobUID, false, true, time.Now().Add(-25*time.Hour))
			earlier := s.signInVisitor(proto, daveUID, false, true)
			s.dropCredentialsAt(daveUID)
			fresh := s.signInVisitorAt(proto, erinUID, false, true, time.Now().Add(-time.Minute))
			s.signInPlain(carolUID, false, false) // no token: not counted

			got := s.sweep(10 * time.Second)
			if want := (actions.SweepCounts{Complete: true, Scanned: 6, Tokens: 4, Removed: 3, TokensComplete: true}); got != want {
				t.Fatalf("sweep %+v, want %+v", got, want)
			}
			for uid, c := range map[string]signin.Credentials{aliceUID: lost, bobUID: old, daveUID: earlier} {
				s.wantNoCredentials(uid)
				s.wantRevokedAtX(uid, c)
				lines := s.removedLines(uid)
				if len(lines) != 1 || lines[0]["revoked_at_x"] != true || lines[0]["work_finished"] != (uid == aliceUID) {
					t.Errorf("%s: removal lines %v", uid, lines)
				}
			}
			if s.storedToken(erinUID) != fresh.Token || s.meStatus(fresh) != http.StatusOK {
				t.Fatal("the fresh token with work pending was removed, or does not work")
			}
			s.wantBrandKept()
			sum := s.logLines("message", "sweep")
			if len(sum) != 1 || sum[0]["visitor_tokens"] != float64(4) || sum[0]["tokens_removed"] != float64(3) || sum[0]["revoke_failed"] != float64(0) {
				t.Fatalf("summary lines %v", sum)
			}

			// The stream delivers the pending posts: the removed tokens'
			// are skipped without a call, the fresh one's is made.
			s.drain()
			s.wantAction(bobUID, "tweet", "skipped", string(actions.ReasonNoCredentials))
			s.wantAction(daveUID, "tweet", "skipped", string(actions.ReasonNoCredentials))
			s.wantAction(erinUID, "tweet", "done", "")
			if tw := s.sb.Tweets(); len(tw) != 2 {
				t.Fatalf("posts %+v: want alice's and erin's", tw)
			}
			s.wantNoCredentials(erinUID)
			if got := s.sweep(10 * time.Second); got.Tokens != 0 || got.Removed != 0 || !got.TokensComplete {
				t.Fatalf("a second sweep: %+v", got)
			}
		})
	}
}

// TestARevocationXDoesNotConfirmIsCounted: X fails the revocation of a
// token a lost record left: the sweep removes it all the same (it is not
// ours to use any more), counts revoke_failed and warns, naming no value.
func TestARevocationXDoesNotConfirmIsCounted(t *testing.T) {
	t.Parallel()
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			s := newStack(t)
			s.signInBrand(proto)
			s.signInVisitor(proto, aliceUID, true, false)
			remover := s.h.Stream.Credentials
			s.h.Stream.Credentials = nil
			s.drain()
			s.h.Stream.Credentials = remover
			for _, e := range []string{xsandbox.EndpointOAuth2Revoke, xsandbox.EndpointInvalidateToken} {
				s.sb.InjectFault(xsandbox.Fault{Endpoint: e, Status: 503})
			}
			got := s.sweep(10 * time.Second)
			if got.Tokens != 1 || got.Removed != 1 || got.RevokeFailed != 1 {
				t.Fatalf("sweep %+v", got)
			}
			s.wantNoCredentials(aliceUID)
			lines := s.removedLines(aliceUID)
			if len(lines) != 1 || lines[0]["level"] != "warn" || lines[0]["revoked_at_x"] != false {
				t.Fatalf("removal lines %v", lines)
			}
			if sum := s.logLines("message", "sweep"); len(sum) != 1 || sum[0]["revoke_failed"] != float64(1) {
				t.Fatalf("summary lines %v", sum)
			}
		})
	}
}

// TestAVisitorTokenThatExpiredBeforeItsWorkRan: a visitor's OAuth 2.0
// token has no refresh token. Expired before the follow and the post ran
// (X down for hours), both fail with token_expired: no call to X's token
// endpoint nor to the follow or post, no record handed back, nothing
// retried on a redelivery; the token is removed (and revoked). One that
// expires within the minute but is still valid is used as it is, without
// a refresh.
func TestAVisitorTokenThatExpiredBeforeItsWorkRan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		expiresIn time.Duration
		state     string
		reason    string
		calls     int // follow and post calls
	}{
		{"expired", 0, "failed", string(actions.ReasonTokenExpired), 0},
		{"expires within the minute", 30 * time.Second, "done", "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t)
			s.signInBrand(oauth1Proto)
			c := s.visitorGrant(oauth2Proto, aliceUID, true, true, tt.expiresIn)
			s.saveSignIn(s.users, aliceUID, true, true, c)
			if st := s.drain(); st.Retried != 0 || st.Abandoned != 0 {
				t.Fatalf("relay %+v: a record was handed back", st)
			}
			for _, a := range []string{"follow", "tweet"} {
				if st, reason, n := s.action(aliceUID, a); st != tt.state || reason != tt.reason || n != int64(tt.calls/2) {
					t.Errorf("a_%s %s/%s after %d calls, want %s/%s", a, st, reason, n, tt.state, tt.reason)
				}
			}
			s.wantAction(aliceUID, "welcome", "done", "")
			if n := s.calls(xsandbox.EndpointOAuth2Token); n != 0 || len(s.sb.OAuth2Refreshes()) != 0 {
				t.Fatalf("%d calls to X's token endpoint", n)
			}
			if n := s.calls("follow") + s.calls("tweet"); n != tt.calls {
				t.Fatalf("%d follow and post calls, want %d", n, tt.calls)
			}
			s.wantNoCredentials(aliceUID)
			if o2, _ := s.revocations(aliceUID); o2 != 1 {
				t.Fatalf("%d revocations at X", o2)
			}
			calls := len(s.sb.Calls())
			if back := s.handedBack(10*time.Second, aliceUID); len(back) != 0 || len(s.sb.Calls()) != calls {
				t.Fatalf("a redelivery: handed back %v, %d calls to X", back, len(s.sb.Calls())-calls)
			}
			if lines := s.logLines("reason", string(actions.ReasonTokenExpired)); (tt.state == "failed") != (len(lines) == 2) {
				t.Fatalf("token_expired lines %v", lines)
			}
		})
	}
}

// TestAPendingFollowIsSkippedWhenALaterSignInUntickedIt: a follow the
// first sign-in asked for is still pending when the visitor signs in again
// without ticking it: it is skipped with opt_in_withdrawn, no follow is
// made, and the first sign-in's token (the later one keeps none) is removed
// and revoked. A later sign-in that ticks the post instead gets its post
// made with its own token, and its follow skipped.
func TestAPendingFollowIsSkippedWhenALaterSignInUntickedIt(t *testing.T) {
	t.Parallel()
	for _, proto := range protocols {
		for _, post := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/post=%v", proto, post), func(t *testing.T) {
				t.Parallel()
				s := newStack(t)
				s.signInBrand(proto)
				c := s.signInVisitor(proto, aliceUID, true, false)
				if post {
					c = s.signInVisitor(proto, aliceUID, false, true)
				} else {
					s.signInPlain(aliceUID, false, false)
				}
				s.drain()
				s.wantAction(aliceUID, "follow", "skipped", string(actions.ReasonOptInWithdrawn))
				if s.calls("follow") != 0 || len(s.sb.Follows()) != 0 {
					t.Fatal("a follow was made for a sign-in that unticked it")
				}
				if post {
					s.wantAction(aliceUID, "tweet", "done", "")
				}
				s.wantNoCredentials(aliceUID)
				s.wantRevokedAtX(aliceUID, c)
				s.wantBrandKept()
			})
		}
	}
}

// TestACampaignReachesEverySubscriberWithOnlyTheBrandsGrantStored: visitors
// sign up in every way (nothing ticked: no token stored; follow, post or
// both with either protocol; a ticked post withdrawn), their work runs,
// and then the users table holds credentials for the brand alone: a
// campaign reaches every subscriber once with the brand's grant. The count
// of credential attributes left is logged.
func TestACampaignReachesEverySubscriberWithOnlyTheBrandsGrantStored(t *testing.T) {
	t.Parallel()
	for _, brandProto := range protocols {
		t.Run("brand "+brandProto, func(t *testing.T) {
			t.Parallel()
			const n = 12
			uid := func(i int) string { return fmt.Sprintf("18%017d", i+1) }
			var extra []xsandbox.User
			for i := range n {
				extra = append(extra, xsandbox.User{ID: uid(i), Username: fmt.Sprintf("sub%02d", i), Name: "Subscriber", AcceptsDMsFrom: "all"})
			}
			s := newStack(t, teststack.WithUsers(extra))
			s.signInBrand(brandProto)
			for i := range n {
				proto := protocols[i%2]
				switch i % 6 {
				case 0, 1:
					s.signInPlain(uid(i), false, false)
				case 2:
					s.signInVisitor(proto, uid(i), true, false)
				case 3:
					s.signInVisitor(proto, uid(i), false, true)
				case 4:
					s.signInVisitor(proto, uid(i), true, true)
				case 5:
					s.signInVisitor(proto, uid(i), false, true)
					s.signInPlain(uid(i), false, false)
				}
			}
			s.drain()
			if got := s.sweep(10 * time.Second); got.Tokens != 0 || !got.TokensComplete {
				t.Fatalf("sweep %+v: the stream path left visitor tokens", got)
			}
			count := s.countCredentials()
			if count.VisitorAttrs != 0 || count.VisitorTokens != 0 || count.BrandSets != 1 {
				t.Fatalf("credentials left: %+v", count)
			}
			t.Logf("credential attributes left in the users table after the run (%d items): visitors %d, the brand %d set (%v)",
				count.Items, count.VisitorAttrs, count.BrandSets, count.BrandAttrs)

			rep := s.runCampaign(refreshBudget, `{"id":"brand-only","text":"hello everyone"}`).Campaigns[0]
			if rep.Status != "done" || rep.Sent != n || rep.Failed+rep.Unknown != 0 {
				t.Fatalf("campaign %+v", rep)
			}
			for i := range n {
				if dms := s.dmsTo(uid(i)); len(dms) != 2 || dms[1].SenderID != brandUID {
					t.Errorf("%s got %d DMs (welcome and campaign want 2)", uid(i), len(dms))
				}
			}
			if after := s.countCredentials(); after.VisitorAttrs != 0 || after.BrandSets != 1 {
				t.Fatalf("after the campaign: %+v", after)
			}
			s.wantBrandKept()
		})
	}
}
