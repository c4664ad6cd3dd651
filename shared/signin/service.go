package signin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// SessionTTL is how long a started sign-in may take: long enough to read X's
// consent page, short enough that a request token left lying around is soon
// useless.
const SessionTTL = 15 * time.Minute

// Service runs sign-ins. Build it once per cold start; it is safe for
// concurrent use and keeps no per-request state.
type Service struct {
	Protocol Protocol
	Sessions SessionStore
	Users    UserStore

	// Revoker ends the grant of an account that is not the brand's, back
	// from the brand's start; nil: it is left to expire.
	Revoker Revoker

	BrandUID   string     // FOLLOW_UID
	FollowMode FollowMode // FOLLOW_MODE: under api, a follow action is requested when the visitor asks
	// PostsOptIn: the stage has an opt-in post text (OPT_IN_TWEET_TEXT),
	// so a visitor who ticks the box is asked to let us post it.
	PostsOptIn bool

	Now  func() time.Time // default time.Now
	Rand io.Reader        // default crypto/rand
}

// Started is the outcome of Start.
type Started struct {
	AuthorizeURL string
	Key          string // the session's key (OAuth 1.0a request token, or OAuth 2.0 state)
	Binding      string // the cookie value binding this browser to the session
	ExpiresAt    time.Time
}

// Start begins a sign-in: one write to the session store, after one call to
// X under OAuth 1.0a (the request token) and none under OAuth 2.0.
func (s *Service) Start(ctx context.Context, c Choices) (Started, error) {
	binding, err := s.newBinding()
	if err != nil {
		return Started{}, err
	}
	auth, err := s.Protocol.Start(ctx, s.Access(c))
	if err != nil {
		return Started{}, err
	}
	now := s.now()
	sess := Session{
		Key:         auth.Key,
		Secret:      auth.Secret,
		BindingHash: HashBinding(binding),
		Choices:     c,
		CreatedAt:   now,
		ExpiresAt:   now.Add(SessionTTL),
	}
	if err := s.Sessions.Put(ctx, sess); err != nil {
		return Started{}, err
	}
	return Started{AuthorizeURL: auth.URL, Key: auth.Key, Binding: binding, ExpiresAt: sess.ExpiresAt}, nil
}

// Finished is the outcome of Finish.
type Finished struct {
	Denied bool
	User   User // set when the sign-in succeeded
	// New: the sign-in created the user (their first sign-in; what make
	// stats counts as a sign-up). False for a returning user.
	New bool
}

// ParseCallback reads the callback's query as the protocol defines it: the
// one reading of it, which names the session (and so the browser's binding
// cookie) before Finish.
func (s *Service) ParseCallback(q url.Values) (Callback, error) { return s.Protocol.ParseCallback(q) }

// Finish completes a sign-in from its parsed callback and the browser's
// binding cookie: one conditional delete, the protocol's calls to X (OAuth
// 1.0a: the access token; OAuth 2.0: the token and users/me), one write.
func (s *Service) Finish(ctx context.Context, cb Callback, binding string) (Finished, error) {
	now := s.now()
	if cb.Denied {
		// Best effort: drop the session so it cannot be used later. The
		// visitor's outcome is "denied" whatever the store says.
		_, _ = s.Sessions.Consume(ctx, cb.Key, HashBinding(binding), now)
		return Finished{Denied: true}, nil
	}
	if binding == "" {
		if cb.Refused != nil {
			return Finished{}, fmt.Errorf("%w: an error from X without a binding cookie", ErrBadCallback)
		}
		return Finished{}, fmt.Errorf("%w: no binding cookie", ErrSessionMismatch)
	}
	sess, err := s.Sessions.Consume(ctx, cb.Key, HashBinding(binding), now)
	switch {
	case err != nil && cb.Refused != nil:
		// A refusal that no live session of this browser vouches for is
		// anybody's text: not X's word, nothing for the operator to fix.
		return Finished{}, fmt.Errorf("%w: an error from X without a live session of this browser", ErrBadCallback)
	case err != nil:
		return Finished{}, err
	case cb.Refused != nil:
		return Finished{}, cb.Refused
	}
	id, err := s.Protocol.Finish(ctx, sess, cb)
	if err != nil {
		return Finished{}, err
	}
	u, err := s.user(ctx, sess, id)
	if err != nil {
		return Finished{}, err
	}
	if !u.Brand && u.UserID == s.BrandUID {
		// The brand account signing in as a visitor (the operator trying
		// the page): nothing of the sender's item changes, and its grant
		// is not kept; it expires at X by itself.
		return Finished{User: u}, nil
	}
	created, err := s.Users.SaveSignIn(ctx, u)
	if err != nil {
		return Finished{}, err
	}
	return Finished{User: u, New: created}, nil
}

// Access is what a sign-in with choices c asks X for: a visitor, only what
// their sign-up does with their own token (users/me always, to name them);
// the brand's start, what sending the DMs needs.
func (s *Service) Access(c Choices) Access {
	if c.Brand {
		return Access{Brand: true}
	}
	return Access{Follow: c.Follow && s.FollowMode == FollowAPI, Post: c.Tweet && s.PostsOptIn}
}

// user is what a finished sign-in stores. The brand's start keeps its grant
// only for the brand account: any other account's is revoked, and nothing
// of it is stored. A visitor's token is kept only when their sign-up has
// work to do with it (Access.OwnWork), and never when the visitor is the
// brand account itself: a visitor's sign-in must not replace, narrow or
// remove the sender's credentials.
func (s *Service) user(ctx context.Context, sess Session, id Identity) (User, error) {
	u := User{Identity: id, Choices: sess.Choices, SignedInAt: s.now()}
	access := s.Access(sess.Choices)
	switch {
	case sess.Brand && id.UserID != s.BrandUID:
		return User{}, s.refuse(ctx, id.Credentials)
	case sess.Brand:
		u.Brand = true
		u.Actions = []useritem.Action{useritem.ActionRelease}
		return u, nil
	case id.UserID == s.BrandUID:
		u.Credentials = Credentials{}
		return u, nil
	}
	if !access.OwnWork() {
		u.Credentials = Credentials{}
	}
	u.Actions = actionsFor(access)
	return u, nil
}

// refuse revokes the grant of an account that is not the brand's and says
// why the sign-in failed. A revocation that fails is in the error's text
// (never a token); the grant then expires at X by itself.
func (s *Service) refuse(ctx context.Context, c Credentials) error {
	if s.Revoker == nil {
		return ErrNotTheBrand
	}
	if err := s.Revoker.Revoke(ctx, c); err != nil {
		return fmt.Errorf("%w (revoking its grant at X failed: %v)", ErrNotTheBrand, err)
	}
	return ErrNotTheBrand
}

// actionsFor decides which actions a visitor's sign-in requests: the
// welcome DM (sent with the brand's grant), and what access lets their own
// token do.
func actionsFor(a Access) []useritem.Action {
	acts := make([]useritem.Action, 0, 3)
	if a.Follow {
		acts = append(acts, useritem.ActionFollow)
	}
	acts = append(acts, useritem.ActionWelcome)
	if a.Post {
		acts = append(acts, useritem.ActionTweet)
	}
	return acts
}

func (s *Service) now() time.Time { return clock.Now(s.Now) }

func (s *Service) newBinding() (string, error) {
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("signin: reading random binding: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashBinding is what the session store keeps of the binding cookie: a
// stolen table row does not give the cookie.
func HashBinding(binding string) string {
	if binding == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(binding))
	return hex.EncodeToString(sum[:])
}
