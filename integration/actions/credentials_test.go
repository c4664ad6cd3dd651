package actions_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/dghubble/oauth1"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// The protocols a visitor signs in with.
const (
	oauth1Proto = "oauth1"
	oauth2Proto = "oauth2"
)

var protocols = []string{oauth1Proto, oauth2Proto}

// refreshProtocolOnly turns off the removal of visitors' credentials once
// their work is finished (and the sweep's part that removes them): the test
// exercises the refresh protocol alone, on a grant an earlier version stored
// (a visitor's with a refresh token, fullGrant), and asserts what the
// refresh leaves on the item (the reconnect mark, the refreshed pair) that
// the removal would take away afterwards.
func (s *stack) refreshProtocolOnly() { s.h.Stream.Credentials = nil }

// signInVisitor stores a visitor's sign-in with what the callback keeps now
// for a sign-up with work for the visitor's token (follow or post): an
// OAuth 1.0a token and secret, or an OAuth 2.0 access token of exactly the
// sign-up's scopes (xoauth2.Scopes), without a refresh token (no
// offline.access), expiring in two hours.
func (s *stack) signInVisitor(proto, uid string, follow, tweet bool) signin.Credentials {
	s.t.Helper()
	return s.signInVisitorAt(proto, uid, follow, tweet, time.Now())
}

// signInVisitorAt is signInVisitor of a sign-in made at (its cred_at).
func (s *stack) signInVisitorAt(proto, uid string, follow, tweet bool, at time.Time) signin.Credentials {
	s.t.Helper()
	c := s.visitorGrant(proto, uid, follow, tweet, 2*time.Hour)
	s.saveSignInAt(s.users, uid, follow, tweet, c, at)
	return c
}

// visitorGrant has X issue a visitor's credentials of proto for the
// sign-up's work; an OAuth 2.0 token expires in expiresIn (zero or less:
// expired at X too).
func (s *stack) visitorGrant(proto, uid string, follow, tweet bool, expiresIn time.Duration) signin.Credentials {
	s.t.Helper()
	if proto == oauth1Proto {
		tok, sec := s.sb.IssueAccessToken(uid)
		s.secrets = append(s.secrets, tok, sec)
		return signin.Credentials{Kind: signin.KindOAuth1, Token: tok, Secret: sec}
	}
	access, refresh := s.sb.IssueOAuth2Token(uid, xoauth2.Scopes(signin.Access{Follow: follow, Post: tweet})...)
	if refresh != "" {
		s.t.Fatal("a visitor's grant came with a refresh token")
	}
	s.secrets = append(s.secrets, access)
	if expiresIn <= 0 {
		s.sb.ExpireOAuth2Tokens(uid)
	}
	return signin.Credentials{Kind: signin.KindOAuth2, Token: access, ExpiresAt: time.Now().Add(expiresIn)}
}

// signInPlain stores a sign-in that keeps no token, as the callback stores
// a sign-up with nothing for the visitor's token to do (or a later sign-in
// that unticked what it asked before).
func (s *stack) signInPlain(uid string, follow, tweet bool) {
	s.t.Helper()
	s.saveSignIn(s.users, uid, follow, tweet, signin.Credentials{})
}

// signInBrand stores the brand's own sign-in (brand=true) of proto: OAuth
// 1.0a, or OAuth 2.0 with the brand's grant (offline.access: a refresh
// token).
func (s *stack) signInBrand(proto string) signin.Credentials {
	s.t.Helper()
	if proto == oauth1Proto {
		tok, sec := s.sb.IssueAccessToken(brandUID)
		s.secrets = append(s.secrets, tok, sec)
		c := signin.Credentials{Kind: signin.KindOAuth1, Token: tok, Secret: sec}
		s.saveSignIn(s.users, brandUID, false, false, c)
		return c
	}
	access, refresh := s.sb.IssueOAuth2Token(brandUID, xoauth2.Scopes(signin.Access{Brand: true})...)
	s.secrets = append(s.secrets, access, refresh)
	c := signin.Credentials{Kind: signin.KindOAuth2, Token: access, Refresh: refresh, ExpiresAt: time.Now().Add(2 * time.Hour)}
	s.saveSignIn(s.users, brandUID, false, false, c)
	return c
}

// credentialAttrs lists the credential attributes (userstore
// .CredentialAttrs) uid's item holds.
func (s *stack) credentialAttrs(uid string) []string { return credentialAttrsOf(s.user(uid)) }

func credentialAttrsOf(item dynamo.Item) []string {
	var out []string
	for _, a := range useritem.CredentialAttrs {
		if _, ok := item[a]; ok {
			out = append(out, a)
		}
	}
	return out
}

// wantNoCredentials fails the test when uid's item holds any credential
// attribute.
func (s *stack) wantNoCredentials(uid string) {
	s.t.Helper()
	if got := s.credentialAttrs(uid); len(got) != 0 {
		s.t.Errorf("%s's item still holds %v", uid, got)
	}
}

// revocations counts the requests that revoked uid's credentials at X and
// that X answered 200: OAuth 2.0 POST /2/oauth2/revoke, OAuth 1.0a POST
// /1.1/oauth/invalidate_token.
func (s *stack) revocations(uid string) (oauth2Revokes, oauth1Invalidations int) {
	for _, c := range s.sb.Calls() {
		if c.UserID != uid || c.Status != http.StatusOK {
			continue
		}
		switch c.Endpoint {
		case xsandbox.EndpointOAuth2Revoke:
			oauth2Revokes++
		case xsandbox.EndpointInvalidateToken:
			oauth1Invalidations++
		}
	}
	return oauth2Revokes, oauth1Invalidations
}

// revokeCalls counts every request to X's revocation endpoints, whoever
// they were for and however X answered.
func (s *stack) revokeCalls() int {
	return s.calls(xsandbox.EndpointOAuth2Revoke) + s.calls(xsandbox.EndpointInvalidateToken)
}

// meStatus is X's status for GET /2/users/me made with c: 200 while the
// token works, 401 once it is revoked (or expired, or invalidated).
func (s *stack) meStatus(c signin.Credentials) int {
	s.t.Helper()
	hc := http.DefaultClient
	req, err := http.NewRequest(http.MethodGet, s.ts.XURL+"/2/users/me", nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if c.OAuth2() {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	} else {
		hc = oauth1.NewConfig(teststack.ConsumerKey, consumerSecret).Client(context.Background(), oauth1.NewToken(c.Token, c.Secret))
	}
	resp, err := hc.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// credentialCount is what the users table holds of credentials after a
// run: the credential attributes of visitors' items, and how many items of
// the brand (FOLLOW_UID) hold a set of them.
type credentialCount struct {
	Items         int      // user items
	VisitorAttrs  int      // credential attributes on visitors' items
	VisitorsWith  []string // the visitors that hold any
	BrandSets     int      // brand items that hold an access token
	BrandAttrs    []string // the brand's credential attributes
	VisitorTokens int      // visitors' items that hold an access token
}

// countCredentials scans the users table.
func (s *stack) countCredentials() credentialCount {
	s.t.Helper()
	var c credentialCount
	in := &dynamodb.ScanInput{TableName: aws.String(s.cfg.TwitterTable), ConsistentRead: aws.Bool(true)}
	for {
		out, err := s.db.Scan(context.Background(), in)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, it := range out.Items {
			c.Items++
			uid, _ := dynamo.GetN(it, useritem.AttrUID)
			attrs := credentialAttrsOf(it)
			_, tok := it[useritem.AttrToken]
			if uid == brandUID {
				c.BrandAttrs = attrs
				if tok {
					c.BrandSets++
				}
				continue
			}
			c.VisitorAttrs += len(attrs)
			if len(attrs) > 0 {
				c.VisitorsWith = append(c.VisitorsWith, uid+":"+strings.Join(attrs, ","))
			}
			if tok {
				c.VisitorTokens++
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	sort.Strings(c.VisitorsWith)
	return c
}

// removedLines are the log lines of the removal of a visitor's token.
func (s *stack) removedLines(uid string) []map[string]any {
	var out []map[string]any
	for _, l := range s.logLines("uid", uid) {
		if l["message"] == "visitor token removed" {
			out = append(out, l)
		}
	}
	return out
}

// racingRemover lets a sign-in land between the read of a user and the
// removal of their credentials: before passes once, for uid, right before
// the conditional removal reaches DynamoDB Local.
type racingRemover struct {
	actions.CredentialRemover
	uid     string
	before  func()
	results []bool // what each removal for uid answered
}

func (r *racingRemover) RemoveCredentials(ctx context.Context, uid, sealedToken string, finished bool) (bool, error) {
	if uid == r.uid && r.before != nil {
		r.before()
		r.before = nil
	}
	ok, err := r.CredentialRemover.RemoveCredentials(ctx, uid, sealedToken, finished)
	if uid == r.uid {
		r.results = append(r.results, ok)
	}
	return ok, err
}

// dropCredentialsAt removes uid's cred_at: an item an earlier version
// stored, before the time of the credentials was kept.
func (s *stack) dropCredentialsAt(uid string) {
	s.t.Helper()
	u := dynamo.NewUpdate()
	u.Remove(useritem.AttrCredentialsAt)
	if _, err := s.db.UpdateItem(context.Background(), u.Input(s.cfg.TwitterTable, userstore.Key(uid))); err != nil {
		s.t.Fatal(err)
	}
}

// storedToken opens the access token uid's item holds ("" when none).
func (s *stack) storedToken(uid string) string {
	s.t.Helper()
	st, err := s.users.ReadTokens(context.Background(), uid)
	if err != nil {
		return ""
	}
	return st.Credentials.Token
}

// sealedToken is the access token uid's item holds, sealed as stored.
func (s *stack) sealedToken(uid string) string {
	v, _ := dynamo.GetS(s.user(uid), useritem.AttrToken)
	return v
}
