// Package fakex is X in memory, for the unit tests of the at-most-once
// core: the writes the actions and campaigns make (follow, DM, post), the
// OAuth 2.0 token endpoint's refresh (shared/tokens) and the revocation of
// a visitor's grant (signin.Revoker). Each call takes the next answer
// scripted for its endpoint (success when none is left), and X keeps count
// of what it was asked and of what it actually did: a 5xx or a lost answer
// may come after X acted (ActedThenUnavailable, ActedThenLost), which is
// the case the core must never repeat.
//
// Refresh tokens are single use, as X's are: a refresh token presented
// after it was spent is refused (invalid_grant) and counted in Reused, the
// failure X punishes by revoking the whole grant.
//
// Only tests import this package: it is never part of a Lambda binary.
package fakex

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Endpoint names one of X's endpoints.
type Endpoint string

// The endpoints of the fake.
const (
	Follow  Endpoint = xapi.StepFollow
	DM      Endpoint = xapi.StepDM
	Tweet   Endpoint = xapi.StepTweet
	Refresh Endpoint = "oauth2_token"
	Revoke  Endpoint = "oauth2_revoke"
)

// Answer is what X does with one call.
type Answer struct {
	// Acted: X did the work (sent the DM, spent the refresh token), whatever
	// it answers.
	Acted bool
	// Err is the answer's error (nil: success).
	Err error
	// Limit is the rate-limit state a success carries (an *xapi.Error
	// carries its own).
	Limit xapi.RateLimit
	// Before runs when the call reaches X, before it is answered: a test
	// holds a call there to race another against it.
	Before func(ctx context.Context)
}

// OK is a success.
func OK() Answer { return Answer{Acted: true} }

// Status is X refusing with status before acting (401, 403, 400, ...).
func Status(status int) Answer { return Answer{Err: &xapi.Error{Status: status}} }

// Unauthorized is a 401 to the user's token (revoked, or an OAuth 2.0
// token X no longer takes).
func Unauthorized() Answer { return Status(http.StatusUnauthorized) }

// Forbidden is a 403 (a DM the recipient does not accept, a follow the plan
// lacks).
func Forbidden() Answer { return Status(http.StatusForbidden) }

// TooMany is a 429 whose window resets at reset: X did not act.
func TooMany(reset time.Time) Answer {
	return Answer{Err: &xapi.Error{Status: http.StatusTooManyRequests, Title: "Too Many Requests",
		Limit: xapi.RateLimit{Known: true, Remaining: 0, Reset: reset.Truncate(time.Second)}}}
}

// UsageCapped is the 429 of an exhausted usage cap: X did not act, and
// waiting does not help.
func UsageCapped() Answer {
	return Answer{Err: &xapi.Error{Status: http.StatusTooManyRequests, Title: "UsageCapExceeded",
		Type: "https://api.twitter.com/2/problems/usage-capped"}}
}

// Unavailable is a 5xx before X acted (the caller cannot know which).
func Unavailable(status int) Answer { return Answer{Err: &xapi.Error{Status: status}} }

// ActedThenUnavailable is X acting and then answering status (a 5xx).
func ActedThenUnavailable(status int) Answer {
	return Answer{Acted: true, Err: &xapi.Error{Status: status}}
}

// Timeout is no answer in time, X not having acted.
func Timeout() Answer { return Answer{Err: xapi.ErrTimeout} }

// ActedThenLost is X acting and its answer lost (the connection dropped).
func ActedThenLost() Answer { return Answer{Acted: true, Err: xapi.ErrUnreachable} }

// Malformed is an answer that does not parse, X having acted.
func Malformed() Answer { return Answer{Acted: true, Err: xapi.ErrMalformed} }

// InvalidGrant is the token endpoint refusing the refresh token (X revoked
// the grant).
func InvalidGrant() Answer {
	return Answer{Err: &xapi.Error{Status: http.StatusBadRequest, OAuth2: "invalid_grant", Step: string(Refresh)}}
}

// InvalidClient is the token endpoint refusing the app's client
// credentials: it did not look at the refresh token.
func InvalidClient() Answer {
	return Answer{Err: &xapi.Error{Status: http.StatusUnauthorized, OAuth2: "invalid_client", Step: string(Refresh)}}
}

// Call is one request that reached X.
type Call struct {
	Endpoint Endpoint
	Token    string // the access token, or the refresh token presented
	Target   string // the user followed, the DM's recipient
	Text     string
	Acted    bool
}

// X is X in memory. The zero value is not usable: New.
type X struct {
	mu      sync.Mutex
	script  map[Endpoint][]Answer
	calls   []Call
	seq     int
	refresh map[string]bool // issued refresh tokens: true once spent
	reused  []string
	// TokenLife is how long an access token the refresh issues lives.
	TokenLife time.Duration
	Now       func() time.Time
}

// New is an X that answers every call with success until scripted.
func New() *X {
	return &X{script: map[Endpoint][]Answer{}, refresh: map[string]bool{}, TokenLife: 2 * time.Hour}
}

func (x *X) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

// Script queues answers for e's next calls, after those already queued.
func (x *X) Script(e Endpoint, answers ...Answer) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.script[e] = append(x.script[e], answers...)
}

// next takes e's next answer and records the call.
func (x *X) next(ctx context.Context, c Call) Answer {
	x.mu.Lock()
	a := OK()
	if q := x.script[c.Endpoint]; len(q) > 0 {
		a, x.script[c.Endpoint] = q[0], q[1:]
	}
	x.mu.Unlock()
	if a.Before != nil {
		a.Before(ctx)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	c.Acted = a.Acted
	x.calls = append(x.calls, c)
	x.seq++
	return a
}

// Calls is how many requests reached e.
func (x *X) Calls(e Endpoint) int { return x.count(func(c Call) bool { return c.Endpoint == e }) }

// Acted is how many of e's requests X carried out (whatever it answered).
func (x *X) Acted(e Endpoint) int {
	return x.count(func(c Call) bool { return c.Endpoint == e && c.Acted })
}

// DMsTo is how many DMs X delivered to uid.
func (x *X) DMsTo(uid string) int {
	return x.count(func(c Call) bool { return c.Endpoint == DM && c.Target == uid && c.Acted })
}

// Log is every request that reached X, in order.
func (x *X) Log() []Call {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]Call(nil), x.calls...)
}

func (x *X) count(f func(Call) bool) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for _, c := range x.calls {
		if f(c) {
			n++
		}
	}
	return n
}

// Follow is X's follow with c's token.
func (x *X) Follow(ctx context.Context, c signin.Credentials, userID, targetID string) (xapi.FollowResult, error) {
	a := x.next(ctx, Call{Endpoint: Follow, Token: c.Token, Target: targetID})
	if a.Err != nil {
		return xapi.FollowResult{}, a.Err
	}
	return xapi.FollowResult{Following: true, Limit: a.Limit}, nil
}

// SendDM is X's DM with c's token.
func (x *X) SendDM(ctx context.Context, c signin.Credentials, recipientID, text string) (xapi.DMResult, error) {
	a := x.next(ctx, Call{Endpoint: DM, Token: c.Token, Target: recipientID, Text: text})
	if a.Err != nil {
		return xapi.DMResult{}, a.Err
	}
	return xapi.DMResult{EventID: x.id("dm"), ConversationID: "conv-" + recipientID, Limit: a.Limit}, nil
}

// Tweet is X's post with c's token.
func (x *X) Tweet(ctx context.Context, c signin.Credentials, text string) (xapi.TweetResult, error) {
	a := x.next(ctx, Call{Endpoint: Tweet, Token: c.Token, Text: text})
	if a.Err != nil {
		return xapi.TweetResult{}, a.Err
	}
	return xapi.TweetResult{ID: x.id("post"), Limit: a.Limit}, nil
}

func (x *X) id(kind string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return fmt.Sprintf("%s-%d", kind, x.seq)
}

// Issue is a grant X gives on a sign-in: an access token expiring at
// expires and a refresh token (none when offline is false).
func (x *X) Issue(uid string, expires time.Time, offline bool) signin.Credentials {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.seq++
	c := signin.Credentials{Kind: signin.KindOAuth2, Token: fmt.Sprintf("access-%s-%d", uid, x.seq), ExpiresAt: expires}
	if offline {
		c.Refresh = fmt.Sprintf("refresh-%s-%d", uid, x.seq)
		x.refresh[c.Refresh] = false
	}
	return c
}

// Refresh is X's token endpoint (grant_type=refresh_token). A refresh
// token is spent when X acts on it (a success, or ActedThenLost); a spent
// or unknown one is refused with invalid_grant and counted in Reused.
func (x *X) Refresh(ctx context.Context, refreshToken string) (signin.Credentials, error) {
	a := x.next(ctx, Call{Endpoint: Refresh, Token: refreshToken})
	x.mu.Lock()
	defer x.mu.Unlock()
	if a.Err != nil && !a.Acted {
		return signin.Credentials{}, a.Err // X refused before looking at the token, or never got it
	}
	if spent, known := x.refresh[refreshToken]; !known || spent {
		x.reused = append(x.reused, refreshToken)
		x.calls[len(x.calls)-1].Acted = false
		return signin.Credentials{}, InvalidGrant().Err
	}
	x.refresh[refreshToken] = true
	x.seq++
	c := signin.Credentials{Kind: signin.KindOAuth2, Token: fmt.Sprintf("access-r%d", x.seq), Refresh: fmt.Sprintf("refresh-r%d", x.seq),
		ExpiresAt: x.now().Add(x.TokenLife).UTC()}
	x.refresh[c.Refresh] = false
	if a.Err != nil {
		return signin.Credentials{}, a.Err // rotated, and the answer lost
	}
	return c, nil
}

// Reused lists the refresh tokens presented after they were spent (or
// never issued): each would have cost its user the grant.
func (x *X) Reused() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]string(nil), x.reused...)
}

// Revoke is signin.Revoker: X ends the grant of c.
func (x *X) Revoke(ctx context.Context, c signin.Credentials) error {
	a := x.next(ctx, Call{Endpoint: Revoke, Token: c.Token})
	return a.Err
}

// Revoked is how many grants X ended.
func (x *X) Revoked() int { return x.Acted(Revoke) }
