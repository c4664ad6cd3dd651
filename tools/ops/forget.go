package ops

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// Revoker revokes an OAuth 2.0 token at X (RFC 7009; xoauth2.Client):
// hint is "refresh_token" or "access_token".
type Revoker interface {
	Revoke(ctx context.Context, token, hint string) error
}

// Forget erases one person from a stage.
type Forget struct {
	Target *Target
	Opener seal.Box // opens the person's sealed tokens
	// Revoker is nil when the stage has no OAuth 2.0 client.
	Revoker Revoker
	RefKey  []byte // keys Ref
	// Confirm asks the operator, showing what is about to be erased; nil
	// is a confirmation given beforehand (YES=1).
	Confirm func(summary string) (bool, error)
	// SkipRevoke erases even when X could not revoke the token.
	SkipRevoke bool
}

// Forgotten is what Forget did, with nothing that names the person.
type Forgotten struct {
	Ref string // Ref of the uid
	X   string // what happened at X
}

// Line is the one line forget prints (and an operator may keep in a log):
// the keyed reference, never the uid or the name.
func (f Forgotten) Line(stage string) string {
	return fmt.Sprintf("forget: stage %s: erased the user with ref %s (HMAC of the X id under the stage's link key); X: %s", stage, f.Ref, f.X)
}

// Ref is the reference forget prints instead of the uid: the first 16 hex
// digits of HMAC-SHA256 over "forget-ref:" and the uid, keyed with the
// stage's link signing key. Whoever holds that key can check whether a
// given X id is the one a line names (to answer the person); the line alone
// gives the id to nobody. The prefix keeps it apart from the unsubscribe
// links' signatures, made with the same key.
func Ref(key []byte, uid string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("forget-ref:" + uid))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

// What X can do with each kind of credentials.
const (
	oauth1NoRevoke = "OAuth 1.0a token: the API this service uses has no revoke for it; the token is erased here and stays valid at X until the person removes the app (x.com, Settings, Connected apps)"
	noToken        = "no token was stored"
)

// Run erases uid: it reads the item, asks for confirmation, revokes the
// person's OAuth 2.0 grant at X (refresh token, then access token), then
// deletes the item. When the revoke fails nothing is deleted (a later run
// can still revoke: the token is only in the item), unless SkipRevoke.
func (f *Forget) Run(ctx context.Context, uid string) (Forgotten, error) {
	t := f.Target
	if !xid.Valid(uid) {
		return Forgotten{}, fmt.Errorf("UID must be an X id (decimal digits)")
	}
	out, err := t.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.UsersTable), Key: userstore.Key(uid), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Forgotten{}, t.explain(t.UsersTable, err)
	}
	if out.Item == nil {
		return Forgotten{}, fmt.Errorf("%w on stage %s: nothing erased (forgotten already, or a mistyped id)", ErrNoSuchUser, t.Stage)
	}
	it := out.Item
	res := Forgotten{Ref: Ref(f.RefKey, uid)}
	if f.Confirm != nil {
		ok, err := f.Confirm(summary(it, t.Stage))
		if err != nil {
			return res, err
		}
		if !ok {
			return res, ErrNotConfirmed
		}
	}
	if res.X, err = f.revoke(ctx, uid, it); err != nil {
		if !f.SkipRevoke {
			return res, fmt.Errorf("%w: %w; nothing erased: run it again, or with SKIP_REVOKE=1 to erase anyway", ErrRevokeFailed, err)
		}
		res.X = "NOT revoked (" + err.Error() + "); erased anyway (SKIP_REVOKE=1): the person can remove the app at X"
	}
	if _, err := t.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(t.UsersTable), Key: userstore.Key(uid)}); err != nil {
		return res, t.explain(t.UsersTable, err)
	}
	return res, nil
}

// revoke revokes the grant of an OAuth 2.0 user and says what happened;
// for other credentials it says why nothing could be revoked.
func (f *Forget) revoke(ctx context.Context, uid string, it dynamo.Item) (string, error) {
	kind := rowOf(it).Cred
	sealedTok, _ := dynamo.GetS(it, userstore.AttrToken)
	sealedRefresh, _ := dynamo.GetS(it, userstore.AttrRefresh)
	switch {
	case kind != string(signin.KindOAuth2) && sealedTok != "":
		return oauth1NoRevoke, nil
	case sealedTok == "" && sealedRefresh == "":
		return noToken, nil
	case f.Revoker == nil:
		return "", fmt.Errorf("the stage has no OAuth 2.0 client (TWITTER_CLIENT_ID and its secret) to revoke with")
	}
	var done []string
	for _, tk := range []struct{ sealed, context, hint string }{
		// The refresh token first: it is the lasting part of the grant, and
		// revoking it ends the grant's access tokens at X too (RFC 7009 2.1).
		{sealedRefresh, userstore.RefreshContext(uid), "refresh_token"},
		{sealedTok, userstore.TokenContext(uid), "access_token"},
	} {
		if tk.sealed == "" {
			continue
		}
		plain, err := f.Opener.Open(tk.sealed, tk.context)
		if err != nil {
			return "", fmt.Errorf("the %s does not open with the stage's keys (%w)", tk.hint, seal.ErrOpen)
		}
		if err := f.Revoker.Revoke(ctx, plain, tk.hint); err != nil {
			return "", fmt.Errorf("X did not revoke the %s: %w", tk.hint, err)
		}
		done = append(done, tk.hint)
	}
	return "OAuth 2.0 grant revoked (" + strings.Join(done, " and ") + ")", nil
}

// summary is what the confirmation shows the operator, on the terminal
// only: enough to recognise the person, no token.
func summary(it dynamo.Item, stage string) string {
	r := rowOf(it)
	s := fmt.Sprintf("stage %s: @%s, first signed in %s, last %s, %s credentials", stage, r.ScreenName, r.FirstSignIn, r.LastSignIn, r.Cred)
	if r.Brand {
		s += "; THIS IS THE BRAND ACCOUNT: welcome DMs and campaigns wait until it signs in again"
	}
	return s
}
