package ops

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/grants"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// Forget erases one person from a stage.
type Forget struct {
	Target *Target
	Opener seal.Box // opens the person's sealed tokens
	// Grants ends the person's grant at X with the stage's apps (a nil
	// protocol: the stage has no app of that kind).
	Grants grants.Revoker
	RefKey []byte // keys Ref
	// Confirm asks the operator, showing what is about to be erased; nil
	// is a confirmation given beforehand (YES=1).
	Confirm func(summary string) (bool, error)
	// SkipRevoke erases even when X could not revoke the token.
	SkipRevoke bool
	// Now and Sleep are the clock of the wait for a refresh lease (the wall
	// clock when nil); Waiting, when set, hears of each pause (the lease's
	// end), to tell the operator.
	Now     func() time.Time
	Sleep   func(context.Context, time.Duration) error
	Waiting func(until time.Time)
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

// maxRounds bounds how many times Run revokes and tries the delete again
// when the person's tokens change between its read and its delete.
const maxRounds = 3

// Run erases uid: it reads the item, asks for confirmation, revokes the
// person's grant at X (an OAuth 2.0 user's refresh and access tokens, an
// OAuth 1.0a user's access token), then deletes the item. When the revoke
// fails nothing is deleted (a later run can still revoke: the token is only
// in the item), unless SkipRevoke.
//
// The delete holds only while the item keeps the credentials Run read and
// revoked: a sign-in or a token refresh while the operator was reading the
// confirmation brings tokens X has not revoked, and deleting them unrevoked
// would leave a live grant that nothing here can reach any more. Then Run
// reads the item again, revokes the new tokens and tries again, up to
// maxRounds times, and its line says so.
//
// A token refresh under way holds a lease on the item, and X may have
// rotated the grant already: Run waits while a lease is live before it
// revokes (see waitForNoLease), and deletes only while no lease is held.
func (f *Forget) Run(ctx context.Context, uid string) (Forgotten, error) {
	if !xid.Valid(uid) {
		return Forgotten{}, fmt.Errorf("UID must be an X id (decimal digits)")
	}
	it, err := f.read(ctx, uid)
	if err != nil {
		return Forgotten{}, err
	}
	if it == nil {
		return Forgotten{}, fmt.Errorf("%w on stage %s: nothing erased (forgotten already, or a mistyped id)", ErrNoSuchUser, f.Target.Stage)
	}
	res := Forgotten{Ref: Ref(f.RefKey, uid)}
	if err := f.confirm(it); err != nil {
		return res, err
	}
	deadline := clock.Now(f.Now).Add(maxLeaseWait)
	var revoked dynamo.Item // the item whose credentials X has revoked
	for round := 1; ; {
		if it, err = f.waitForNoLease(ctx, uid, it, deadline); err != nil {
			return res, withX(err, res.X)
		}
		if it == nil {
			res.X = joinGone(res.X)
			return res, nil
		}
		if revoked == nil || !sameCredentials(revoked, it) {
			if revoked != nil {
				if round == maxRounds {
					return res, fmt.Errorf("%w %d times between the read and the delete (is the person signing in right now?); X: %s; nothing erased: run it again",
						ErrTokensChanging, maxRounds, res.X)
				}
				round++
			}
			x, err := f.revokeOrSkip(ctx, uid, it, res.X)
			if err != nil {
				return res, err
			}
			res.X = joinRounds(res.X, x)
			revoked = it
		}
		deleted, next, err := f.erase(ctx, uid, it)
		switch {
		case err != nil:
			return res, err
		case deleted:
			return res, nil
		}
		it = next // nil when gone: the next turn says so
	}
}

// withX adds what X did already to an error that stops Run.
func withX(err error, x string) error {
	if x == "" {
		return err
	}
	return fmt.Errorf("%w; X: %s", err, x)
}

// joinGone is what Run says when the item went away while it worked.
func joinGone(x string) string {
	if x == "" {
		return "nothing revoked: the item was gone before anything was sent to X (erased meanwhile)"
	}
	return x + "; the item was gone when it was to be deleted (erased meanwhile)"
}

func (f *Forget) confirm(it dynamo.Item) error {
	if f.Confirm == nil {
		return nil
	}
	ok, err := f.Confirm(summary(it, f.Target.Stage))
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotConfirmed
	}
	return nil
}

// revokeOrSkip revokes what the item holds and says what happened; when X
// does not confirm it fails, unless SkipRevoke. before is what the earlier
// rounds did ("" in the first).
func (f *Forget) revokeOrSkip(ctx context.Context, uid string, it dynamo.Item, before string) (string, error) {
	x, err := f.revoke(ctx, uid, it)
	switch {
	case err == nil:
		return x, nil
	case !f.SkipRevoke && before != "":
		return "", fmt.Errorf("%w: %w; nothing erased: run it again, or with SKIP_REVOKE=1 to erase anyway (these tokens came while forget ran; X, for the ones before them: %s)",
			ErrRevokeFailed, err, before)
	case !f.SkipRevoke:
		return "", fmt.Errorf("%w: %w; nothing erased: run it again, or with SKIP_REVOKE=1 to erase anyway", ErrRevokeFailed, err)
	}
	return "NOT revoked (" + err.Error() + "); erased anyway (SKIP_REVOKE=1): the person can remove the app at X", nil
}

// joinRounds adds a round's word from X to what the earlier rounds said.
func joinRounds(before, x string) string {
	if before == "" {
		return x
	}
	return before + "; then the tokens changed before the delete (a new sign-in or a token refresh): " + x
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
