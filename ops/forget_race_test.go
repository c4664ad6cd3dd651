package ops

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// racingDB is the stack's DynamoDB Local with a writer that gets in just
// before each of forget's deletes: what a sign-in or a token refresh that
// lands at that moment does to the item.
type racingDB struct {
	DB
	deletes int
	before  func(n int) // before the n-th DeleteItem, from 1
}

func (r *racingDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	r.deletes++
	if r.before != nil {
		r.before(r.deletes)
	}
	return r.DB.DeleteItem(ctx, in, opts...)
}

// grant is one set of a person's credentials, issued by the sandbox.
type grant struct {
	cred                           string
	token, secret, access, refresh string
}

func (g grant) user() user {
	u := user{uid: aliceID, name: "alice", cred: g.cred, created: time.Now()}
	if g.cred == "oauth2" {
		u.token, u.refresh = g.access, g.refresh
	} else {
		u.token, u.secret = g.token, g.secret
	}
	return u
}

// newGrant is what X issues next: a new sign-in's credentials of kind
// cred, or ("refresh") prev's OAuth 2.0 grant refreshed.
func (x *xApp) newGrant(t *testing.T, cred string, prev grant) grant {
	if cred == "refresh" {
		c := xoauth2.NewClient(xoauth2.Options{ClientID: "ops-client", ClientSecret: "ops-client-secret", BaseURL: x.secrets.APIBaseURL,
			HTTPClient: xapi.NewHTTPClient(5 * time.Second)})
		got, err := c.Refresh(context.Background(), prev.refresh)
		if err != nil {
			t.Fatal(err)
		}
		return grant{cred: "oauth2", access: got.Token, refresh: got.Refresh}
	}
	if cred == "oauth2" {
		a, r := x.sb.IssueOAuth2Token(aliceID, "users.read", "tweet.read", "offline.access")
		return grant{cred: cred, access: a, refresh: r}
	}
	token, secret := x.sb.IssueAccessToken(aliceID)
	return grant{cred: cred, token: token, secret: secret}
}

// assertDead: X takes none of g's tokens any more.
func (x *xApp) assertDead(t *testing.T, g grant) {
	t.Helper()
	if g.cred == "oauth2" {
		assertGrantDead(t, x, g.access, g.refresh)
	} else if x.oauth1Works(t, g.token, g.secret) {
		t.Error("an OAuth 1.0a token forget read still works at X")
	}
}

// A sign-in or a refresh between forget's read and its delete brings new
// tokens: forget revokes them too before it deletes, and says so, rather
// than deleting a live grant it never revoked.
func TestForgetRevokesTokensThatChangeBeforeTheDelete(t *testing.T) {
	tests := []struct {
		name       string
		first      string   // the credentials forget reads first
		then       []string // written before each delete in turn ("gone": the item is deleted)
		inConfirm  bool     // the first change lands while the operator confirms
		wantErr    error
		wantX      []string // in the line, in order
		wantErased bool
	}{
		{name: "an OAuth 1.0a user who signs in again while the operator confirms has both tokens invalidated",
			first: "oauth1", then: []string{"oauth1"}, inConfirm: true, wantErased: true,
			wantX: []string{oauth1Invalidated, "; then the tokens changed before the delete (a new sign-in or a token refresh): " + oauth1Invalidated}},
		{name: "an OAuth 2.0 user whose tokens are refreshed while the operator confirms has the new pair revoked too",
			first: "oauth2", then: []string{"refresh"}, inConfirm: true, wantErased: true,
			wantX: []string{"OAuth 2.0 grant revoked", "then the tokens changed", "OAuth 2.0 grant revoked (refresh_token and access_token)"}},
		{name: "an OAuth 2.0 user who signs in again just before the delete has both grants revoked",
			first: "oauth2", then: []string{"oauth2"}, wantErased: true,
			wantX: []string{"OAuth 2.0 grant revoked", "then the tokens changed", "OAuth 2.0 grant revoked"}},
		{name: "an OAuth 1.0a user who signs in with OAuth 2.0 just before the delete has both revoked",
			first: "oauth1", then: []string{"oauth2"}, wantErased: true,
			wantX: []string{oauth1Invalidated, "then the tokens changed", "OAuth 2.0 grant revoked (refresh_token and access_token)"}},
		{name: "tokens that change before every delete stop forget after three rounds, the item kept",
			first: "oauth1", then: []string{"oauth1", "oauth1", "oauth1"}, wantErr: ErrTokensChanging,
			wantX: []string{oauth1Invalidated, oauth1Invalidated, oauth1Invalidated}},
		{name: "an item erased by someone else meanwhile is gone, and forget says so",
			first: "oauth1", then: []string{"gone"}, wantErased: true,
			wantX: []string{oauth1Invalidated, "the item was gone when it was to be deleted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			x := newXApp(t, s)
			read := []grant{x.newGrant(t, tt.first, grant{})}
			s.put(t, read[0].user())
			change := func() {
				next := tt.then[len(read)-1]
				if next == "gone" {
					s.remove(t, aliceID)
					read = append(read, grant{})
					return
				}
				g := x.newGrant(t, next, read[len(read)-1])
				s.put(t, g.user())
				read = append(read, g)
			}
			f := x.forget(s)
			db := &racingDB{DB: s.DB}
			f.Target.DB = db
			db.before = func(n int) {
				if n <= len(tt.then) && (n > 1 || !tt.inConfirm) {
					change()
				}
			}
			if tt.inConfirm {
				f.Confirm = func(string) (bool, error) { change(); return true, nil }
			}
			res, err := f.Run(context.Background(), aliceID)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Run = %v, want %v", err, tt.wantErr)
			}
			if s.exists(t, aliceID) == tt.wantErased {
				t.Errorf("alice kept %v, want erased %v", s.exists(t, aliceID), tt.wantErased)
			}
			assertInOrder(t, res.X+" "+errText(err), tt.wantX)
			x.assertReadAreDead(t, read, tt.wantErr != nil)
			var creds []string
			for _, g := range read {
				creds = append(creds, g.token, g.secret, g.access, g.refresh)
			}
			assertNamesNobody(t, []string{res.Line(s.Stage), errText(err)}, nonEmpty(creds)...)
		})
	}
}

// assertInOrder: text holds each of wants, in that order.
func assertInOrder(t *testing.T, text string, wants []string) {
	t.Helper()
	rest := text
	for _, w := range wants {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("%q lacks %q (in order)", text, w)
		}
		rest = rest[i+len(w):]
	}
}

// assertReadAreDead: every grant forget read is dead at X. When forget gave
// up (kept), the last grant written, which it never read, stays with the
// item for a rerun, and works.
func (x *xApp) assertReadAreDead(t *testing.T, written []grant, kept bool) {
	t.Helper()
	for _, g := range written[:min(len(written), maxRounds)] {
		if g.cred != "" {
			x.assertDead(t, g)
		}
	}
	if last := written[len(written)-1]; kept && !x.oauth1Works(t, last.token, last.secret) {
		t.Error("the kept item's token, which forget never read, no longer works")
	}
	if ok, failed := x.answered(xsandbox.EndpointInvalidateToken); failed != 0 {
		t.Errorf("%d invalidations answered 200, %d failed", ok, failed)
	}
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
