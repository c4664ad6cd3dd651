package actions

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// do carries out one claimed action.
func (b *Batch) do(ctx context.Context, u *User, a useritem.Action) outcome {
	if u.Revoked && a != useritem.ActionRelease {
		return skipped(ReasonRevoked)
	}
	switch a {
	case useritem.ActionFollow:
		return b.follow(ctx, u)
	case useritem.ActionWelcome:
		return b.welcome(ctx, u)
	case useritem.ActionTweet:
		return b.tweet(ctx, u)
	case useritem.ActionRelease:
		return b.release(ctx, u)
	}
	return skipped(ReasonUnknownAction)
}

// call makes one write to X with actor's token under the service's policy
// and the gate; it returns the number of requests that reached X.
func (b *Batch) call(ctx context.Context, endpoint, actor string, fn func(ctx context.Context) (xapi.RateLimit, error)) (int, error) {
	return b.s.Retry.Write(ctx, b.s.Gate, endpoint, actor, b.s.now, fn)
}

// userCall makes a call with the user's own token (fresh, renewed once on
// a 401 when it is an OAuth 2.0 token: withToken); a 401 that stands, or a
// renewal after a 401 that found the grant dead, marks the user revoked,
// which skips their remaining actions.
func (b *Batch) userCall(ctx context.Context, u *User, endpoint string, fn func(ctx context.Context, c signin.Credentials) (xapi.RateLimit, error)) (int, error, bool) {
	n, err := b.withToken(ctx, u, endpoint, fn)
	if revokedBy(err) {
		b.markRevoked(ctx, u.UID)
		u.Revoked = true
		return n, err, true
	}
	return n, err, false
}

// revokedBy reports an error that says the user revoked the app: X's 401 to
// their token (or code 89), or X refusing the grant when the token was
// renewed after a 401 (tokens.ErrRevoked).
func revokedBy(err error) bool {
	var xe *xapi.Error
	return errors.Is(err, tokens.ErrRevoked) || (errors.As(err, &xe) && xe.Revoked())
}

func (b *Batch) markRevoked(ctx context.Context, uid string) {
	if err := b.s.Revoker.MarkRevoked(ctx, uid, b.s.now()); err != nil {
		b.log.Error().Err(err).Str("uid", uid).Msg("X says the token is revoked; marking the user failed")
		return
	}
	b.log.Info().Str("uid", uid).Msg("user revoked the app: marked, no further calls with their token")
}

// ownToken is the outcome of an action that needs the user's own token
// when it cannot have one: none stored (a plain sign-up, or removed once
// the work was done), a lost grant, or a visitor's token that expired
// before its work ran (it has no refresh token: the visitor granted no
// offline access). ok: the token can be used.
func (b *Batch) ownToken(u *User) (o outcome, ok bool) {
	c := u.Credentials
	switch {
	case !u.HasCredentials():
		return skipped(ReasonNoCredentials), false
	case u.Reconnect:
		return skipped(ReasonReconnect), false
	case c.OAuth2() && c.Refresh == "" && !c.ExpiresAt.After(b.s.now()):
		return outcome{state: useritem.StateFailed, reason: ReasonTokenExpired}, false
	}
	return outcome{}, true
}

func (b *Batch) follow(ctx context.Context, u *User) outcome {
	s := b.s
	switch {
	case s.FollowMode != signin.FollowAPI:
		return skipped(followModeReason(s.FollowMode))
	case !u.Follow:
		// Requested by an earlier sign-in; the latest one did not tick the
		// box: a follow is only made for a sign-in that asked for it.
		return skipped(ReasonOptInWithdrawn)
	}
	if o, ok := b.ownToken(u); !ok {
		return o
	}
	var res xapi.FollowResult
	n, err, revoked := b.userCall(ctx, u, xapi.StepFollow, func(ctx context.Context, c signin.Credentials) (xapi.RateLimit, error) {
		var err error
		res, err = s.X.Follow(ctx, c, u.UID, s.BrandUID)
		return res.Limit, err
	})
	var xe *xapi.Error
	switch {
	case err == nil:
		o := outcome{state: useritem.StateDone, attempts: n, result: "following"}
		if res.PendingFollow {
			o.result = "pending_follow"
		}
		return o
	case revoked:
		return fromX(useritem.StateFailed, ReasonRevoked, n, err)
	case errors.Is(err, errRequeue):
		return requeued(n, err)
	case errors.As(err, &xe) && xe.Status == http.StatusForbidden:
		// Following through the API left X's self-serve plans in 2026: a 403
		// here is the plan, not this user, and is not retried.
		reason := ReasonFollowNotPermitted
		if xe.Code == 453 {
			reason = xe.Reason()
		}
		return fromX(useritem.StateUnavailable, reason, n, err)
	}
	return failure(n, err)
}

func (b *Batch) tweet(ctx context.Context, u *User) outcome {
	s := b.s
	switch {
	case !u.Tweet:
		// Requested by an earlier sign-in; the latest one did not tick the
		// box, and a post is only made for a sign-in that asked for it.
		return skipped(ReasonOptInWithdrawn)
	}
	if o, ok := b.ownToken(u); !ok {
		return o
	}
	var res xapi.TweetResult
	n, err, revoked := b.userCall(ctx, u, xapi.StepTweet, func(ctx context.Context, c signin.Credentials) (xapi.RateLimit, error) {
		var err error
		res, err = s.X.Tweet(ctx, c, s.TweetText)
		return res.Limit, err
	})
	switch {
	case err == nil:
		return outcome{state: useritem.StateDone, attempts: n, result: res.ID}
	case revoked:
		return fromX(useritem.StateFailed, ReasonRevoked, n, err)
	case errors.Is(err, errRequeue):
		return requeued(n, err)
	}
	return failure(n, err)
}

func (b *Batch) welcome(ctx context.Context, u *User) outcome {
	s := b.s
	switch {
	case u.UID == s.BrandUID || u.Brand:
		return skipped(ReasonBrandAccount)
	case !u.Subscribed:
		return skipped(ReasonUnsubscribed)
	}
	brand := b.brand // loaded before the claim (ready)
	if brand == nil {
		return b.waitForBrand(u.UID)
	}
	text := s.WelcomeText
	if s.Links != nil {
		text = s.Links.Footer(text, u.UID)
	}
	var res xapi.DMResult
	n, err := b.withToken(ctx, brand, xapi.StepDM, func(ctx context.Context, c signin.Credentials) (xapi.RateLimit, error) {
		var err error
		res, err = s.X.SendDM(ctx, c, u.UID, text)
		return res.Limit, err
	})
	var xe *xapi.Error
	switch {
	case err == nil:
		return outcome{state: useritem.StateDone, attempts: n, result: res.EventID}
	case revokedBy(err), errors.Is(err, tokens.ErrReconnect):
		return b.brandLost(ctx, u.UID, n, err)
	case errors.Is(err, errRequeue):
		return requeued(n, err)
	case errors.As(err, &xe) && xe.Status == http.StatusForbidden:
		return fromX(useritem.StateFailed, ReasonRefusesDMs, n, err)
	}
	return failure(n, err)
}

// brandLost is the outcome of a welcome DM to uid once the brand's token
// stopped working: revoked (X's 401 stands, or the renewal after it found
// the grant dead: the brand is marked revoked) or its grant lost (marked
// reconnect). Every welcome waits for the brand to sign in again, which
// releases them.
func (b *Batch) brandLost(ctx context.Context, uid string, n int, err error) outcome {
	if revokedBy(err) {
		b.markRevoked(ctx, b.brand.UID)
	}
	b.brand, b.brandMissing = nil, true
	o := b.waitForBrand(uid)
	o.attempts, o.err = n, err
	return o
}

// waitForBrand is the outcome of a welcome DM while the brand is not
// connected. The release that the brand's sign-in triggers may have scanned
// just before this outcome is written; so after writing it, the brand is read
// again, and if it has connected meanwhile the user is requeued at once.
func (b *Batch) waitForBrand(uid string) outcome {
	s := b.s
	o := outcome{state: useritem.StateWaitingBrand, reason: ReasonBrandNotConnected}
	o.then = func(ctx context.Context) {
		brand, err := s.Users.GetActionUser(ctx, s.BrandUID)
		if err != nil || brand.Revoked || brand.Reconnect || !brand.HasCredentials() {
			return
		}
		if ok, err := s.Requeue.Requeue(ctx, uid, useritem.ActionWelcome, useritem.StateWaitingBrand, s.now()); err == nil && ok {
			b.log.Info().Str("uid", uid).Msg("the brand connected meanwhile: welcome DM requeued")
		}
	}
	return o
}

// release requeues every welcome DM that waited for the brand: setting them
// back to pending makes the stream deliver those users again.
func (b *Batch) release(ctx context.Context, u *User) outcome {
	s := b.s
	if u.UID != s.BrandUID {
		return skipped(ReasonNotTheBrand)
	}
	released, after := 0, ""
	failed := func(err error) outcome {
		return outcome{state: useritem.StateFailed, reason: ReasonStoreUnavailable, result: "released " + strconv.Itoa(released), err: err}
	}
	for {
		uids, next, err := s.Requeue.WaitingForBrand(ctx, after, s.PageSize)
		if err != nil {
			return failed(err)
		}
		for _, uid := range uids {
			ok, err := s.Requeue.Requeue(ctx, uid, useritem.ActionWelcome, useritem.StateWaitingBrand, s.now())
			if err != nil {
				return failed(err)
			}
			if ok {
				released++
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	return outcome{state: useritem.StateDone, result: "released " + strconv.Itoa(released)}
}
