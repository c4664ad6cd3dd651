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

	BrandUID    string // FOLLOW_UID
	FollowByAPI bool   // FOLLOW_MODE=api: a follow action is requested when the visitor asks

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
	auth, err := s.Protocol.Start(ctx)
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

// Finish completes a sign-in from the callback's query and the browser's
// binding cookie: one conditional delete, the protocol's calls to X (OAuth
// 1.0a: the access token; OAuth 2.0: the token and users/me), one write.
func (s *Service) Finish(ctx context.Context, q url.Values, binding string) (Finished, error) {
	cb, err := s.Protocol.ParseCallback(q)
	if err != nil {
		return Finished{}, err
	}
	now := s.now()
	if cb.Denied {
		// Best effort: drop the session so it cannot be used later. The
		// visitor's outcome is "denied" whatever the store says.
		_, _ = s.Sessions.Consume(ctx, cb.Key, HashBinding(binding), now)
		return Finished{Denied: true}, nil
	}
	if binding == "" {
		return Finished{}, fmt.Errorf("%w: no binding cookie", ErrSessionMismatch)
	}
	sess, err := s.Sessions.Consume(ctx, cb.Key, HashBinding(binding), now)
	if err != nil {
		return Finished{}, err
	}
	id, err := s.Protocol.Finish(ctx, sess, cb)
	if err != nil {
		return Finished{}, err
	}
	u := User{
		Identity:   id,
		Choices:    sess.Choices,
		SignedInAt: s.now(),
		Brand:      id.UserID == s.BrandUID,
	}
	u.Actions = s.actionsFor(u)
	created, err := s.Users.SaveSignIn(ctx, u)
	if err != nil {
		return Finished{}, err
	}
	return Finished{User: u, New: created}, nil
}

// actionsFor decides which actions a sign-in requests. The brand account
// gets none of a visitor's actions: its sign-in releases waiting DMs instead.
func (s *Service) actionsFor(u User) []Action {
	if u.Brand {
		return []Action{ActionRelease}
	}
	acts := make([]Action, 0, 3)
	if u.Follow && s.FollowByAPI {
		acts = append(acts, ActionFollow)
	}
	acts = append(acts, ActionWelcome)
	if u.Tweet {
		acts = append(acts, ActionTweet)
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
