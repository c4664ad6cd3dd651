package actions_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// refreshBudget is an invocation's time in the tests that refresh a token:
// a refresh starts only with its lease's time left (15 s: the X call's 5 s
// and the writes after it).
const refreshBudget = 30 * time.Second

// fullGrant are the scopes of the brand's grant and of every visitor's own
// work: what a grant with a refresh token held. Visitors are asked for less
// now; an item stored by an earlier version, or the brand's, holds such a
// grant, and its refresh protocol is what these tests exercise.
var fullGrant = append(xoauth2.Scopes(signin.Access{Brand: true}), "follows.write", "tweet.write")

// signInOAuth2 stores an OAuth 2.0 sign-in of uid holding a full grant
// (fullGrant) with a refresh token. The item says the access token expires
// in expiresIn; zero or less expires it at X as well.
func (s *stack) signInOAuth2(uid string, follow, tweet bool, expiresIn time.Duration) signin.Credentials {
	s.t.Helper()
	access, refresh := s.sb.IssueOAuth2Token(uid, fullGrant...)
	s.secrets = append(s.secrets, access, refresh)
	if expiresIn <= 0 {
		s.sb.ExpireOAuth2Tokens(uid)
	}
	c := signin.Credentials{Kind: signin.KindOAuth2, Token: access, Refresh: refresh, ExpiresAt: time.Now().Add(expiresIn)}
	s.saveSignIn(s.users, uid, follow, tweet, c)
	return c
}

// tokens is the function's refresh of OAuth 2.0 tokens.
func (s *stack) tokens() *tokens.Service { return s.h.Stream.Tokens.(*tokens.Service) }

// stored reads what the users table holds of uid's credentials.
func (s *stack) stored(uid string) tokens.Stored {
	s.t.Helper()
	st, err := s.users.ReadTokens(context.Background(), uid)
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

// reconnect reports whether uid is marked reconnect (with its time).
func (s *stack) reconnect(uid string) bool {
	u := s.user(uid)
	return dynamo.GetBool(u, useritem.AttrReconnect) && !dynamo.GetTime(u, useritem.AttrReconnectAt).IsZero()
}

// leased reports whether uid's item holds a refresh lease.
func (s *stack) leased(uid string) bool {
	_, ok := s.user(uid)[useritem.AttrRefreshLease]
	return ok
}

// refreshesOf lists the refresh tokens of uid that reached X's token
// endpoint (the sandbox's record).
func (s *stack) refreshesOf(uid string) []xsandbox.OAuth2Refresh {
	var out []xsandbox.OAuth2Refresh
	for _, r := range s.sb.OAuth2Refreshes() {
		if r.UserID == uid {
			out = append(out, r)
		}
	}
	return out
}

// wantNoRefreshTokenPresentedTwice fails the test when a refresh token
// reached X twice (X revokes the whole grant then).
func (s *stack) wantNoRefreshTokenPresentedTwice() {
	s.t.Helper()
	seen := map[string]bool{}
	for _, r := range s.sb.OAuth2Refreshes() {
		if r.Reuse || seen[r.TokenID] {
			s.t.Errorf("refresh token %s of %s was presented twice", r.TokenID, r.UserID)
		}
		seen[r.TokenID] = true
	}
}

// bearerWorks reports whether the access token stored for uid works at X
// (GET /2/users/me with it).
func (s *stack) bearerWorks(uid string) bool {
	s.t.Helper()
	st := s.stored(uid)
	req, err := http.NewRequest(http.MethodGet, s.ts.XURL+"/2/users/me", nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+st.Credentials.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// storedSecrets opens every token, secret and refresh token the users table
// holds: those a refresh issued are in no test's list.
func (s *stack) storedSecrets() []string {
	out, err := s.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(s.cfg.TwitterTable), ConsistentRead: aws.Bool(true)})
	if err != nil {
		s.t.Errorf("scanning for the stored tokens: %v", err)
		return nil
	}
	var secrets []string
	for _, it := range out.Items {
		uid, _ := dynamo.GetN(it, useritem.AttrUID)
		for attr, ctx := range map[string]string{useritem.AttrToken: userstore.TokenContext(uid), useritem.AttrSecret: userstore.SecretContext(uid), useritem.AttrRefresh: userstore.RefreshContext(uid)} {
			if v, ok := dynamo.GetS(it, attr); ok {
				if plain, err := s.ts.Sealer.Open(v, ctx); err == nil {
					secrets = append(secrets, plain)
				}
			}
		}
	}
	return secrets
}

// handedBack invokes the function with uids' stream records and returns the
// records it handed back to Lambda.
func (s *stack) handedBack(budget time.Duration, uids ...string) []events.DynamoDBBatchItemFailure {
	s.t.Helper()
	var resp events.DynamoDBEventResponse
	if err := json.Unmarshal(s.invoke(budget, streamEvent(uids...)), &resp); err != nil {
		s.t.Fatal(err)
	}
	return resp.BatchItemFailures
}

func TestOAuth2AndOAuth1UsersOnOneStage(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.signInOAuth2(brandUID, false, false, 0) // the brand's token has expired
	alice := s.signInVisitor(oauth1Proto, aliceUID, true, true)
	bob := s.signInOAuth2(bobUID, true, true, time.Hour) // an earlier version's full grant
	if failed := s.handedBack(refreshBudget, brandUID, aliceUID, bobUID); len(failed) != 0 {
		t.Fatalf("handed back %v", failed)
	}
	for _, uid := range []string{aliceUID, bobUID} {
		for _, a := range []string{"follow", "welcome", "tweet"} {
			s.wantAction(uid, a, "done", "")
		}
	}
	if n := len(s.refreshesOf(brandUID)); n != 1 || len(s.sb.OAuth2Refreshes()) != 1 {
		t.Fatalf("refreshes %+v: want the brand's expired token refreshed once, nothing else", s.sb.OAuth2Refreshes())
	}
	if !s.bearerWorks(brandUID) {
		t.Fatal("the brand's refreshed token does not work at X")
	}
	// Their follow and post done, the visitors' credentials are removed and
	// revoked at X, each with its protocol's call: bob's refresh token and
	// access token (OAuth 2.0), alice's token (OAuth 1.0a).
	for uid, c := range map[string]signin.Credentials{aliceUID: alice, bobUID: bob} {
		s.wantNoCredentials(uid)
		if st := s.meStatus(c); st != http.StatusUnauthorized {
			t.Errorf("%s's old token answers %d at X, want 401", uid, st)
		}
	}
	if o2, o1 := s.revocations(bobUID); o2 != 2 || o1 != 0 {
		t.Errorf("bob's grant: %d OAuth 2.0 revocations, %d OAuth 1.0a invalidations, want 2 and 0", o2, o1)
	}
	if o2, o1 := s.revocations(aliceUID); o2 != 0 || o1 != 1 {
		t.Errorf("alice's token: %d OAuth 2.0 revocations, %d OAuth 1.0a invalidations, want 0 and 1", o2, o1)
	}

	t.Run("a campaign reaches both with the brand's grant alone", func(t *testing.T) {
		rep := s.runCampaign(refreshBudget, `{"id":"mixed","text":"hello both"}`)
		if c := rep.Campaigns[0]; c.Status != "done" || c.Sent != 2 || len(s.dmsTo(aliceUID)) != 2 || len(s.dmsTo(bobUID)) != 2 {
			t.Fatalf("%+v; DMs to alice %d, to bob %d", c, len(s.dmsTo(aliceUID)), len(s.dmsTo(bobUID)))
		}
	})
	s.wantNoRefreshTokenPresentedTwice()
}
