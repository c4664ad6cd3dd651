package signin

import (
	"context"
	"net/url"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// Choices are what the visitor asked for on the form, plus the attribution
// worth keeping. They travel from the session to the user.
type Choices struct {
	Follow bool
	Tweet  bool
	// Brand is the brand's own start (form field brand=true): it asks X for
	// the grant that sends DMs, and is kept only for the FOLLOW_UID account.
	Brand    bool
	UTM      map[string]string // utm_source, utm_medium, ... (validated, bounded)
	ReturnTo string            // a URL under the site's origin, or ""
}

// Session is the state kept between starting and finishing a sign-in.
type Session struct {
	Key         string // the protocol's handle: OAuth 1.0a request token, or OAuth 2.0 state
	Secret      string // the protocol's secret: request token secret, or PKCE verifier
	BindingHash string // SHA-256 of the browser cookie that started the sign-in
	Choices
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Authorization is what a protocol returns when a sign-in starts.
type Authorization struct {
	URL    string // where to send the browser
	Key    string
	Secret string
}

// Access is what a sign-in asks X to grant: the least its sign-up uses. A
// protocol says it in its own terms (OAuth 2.0 scopes, OAuth 1.0a
// x_auth_access_type).
type Access struct {
	// Brand: the brand's own start. It asks for what sending DMs needs,
	// for as long as the brand keeps the app (OAuth 2.0 offline.access).
	Brand bool
	// Follow: the visitor's token follows the brand (follow ticked, and
	// the stage follows through the API).
	Follow bool
	// Post: the visitor's token posts the opt-in (ticked, and the stage has
	// a text to post).
	Post bool
}

// OwnWork reports a visitor's sign-up that acts with the visitor's own
// token: only then is the token kept, and only until that work is done.
func (a Access) OwnWork() bool { return !a.Brand && (a.Follow || a.Post) }

// Callback is the protocol's reading of the callback's query.
type Callback struct {
	Key      string // matches Session.Key
	Verifier string // OAuth 1.0a oauth_verifier, or OAuth 2.0 code
	Denied   bool   // the visitor cancelled at X
	// Refused is X's refusal of the authorize request (OAuth 2.0 error=
	// other than access_denied). It is believed only once Key matches a
	// live session started by this browser: anyone can forge the query.
	Refused error
}

// FollowMode says how a visitor who ticked "follow" comes to follow the brand.
type FollowMode string

// The follow modes. X removed following through the API from its self-serve
// plans in April 2026: "api" works only for apps whose plan still has it.
const (
	FollowAPI    FollowMode = "api"    // the actions function follows with the user's token
	FollowIntent FollowMode = "intent" // the success redirect asks the page to show a follow button
	FollowOff    FollowMode = "off"
)

// Kind is which protocol a user's credentials belong to.
type Kind string

// The credential kinds. A stage may hold both: switching a stage from
// OAuth 1.0a to OAuth 2.0 keeps its users' OAuth 1.0a tokens working until
// they sign in again.
const (
	KindOAuth1 Kind = "oauth1" // access token + token secret; never expire
	KindOAuth2 Kind = "oauth2" // Bearer access token (2 h) + single-use refresh token
)

// Credentials are a user's credentials for calls on their behalf.
type Credentials struct {
	Kind   Kind   // "" is read as KindOAuth1 (items stored before OAuth 2.0)
	Token  string // the access token
	Secret string // OAuth 1.0a: the token secret
	// OAuth 2.0: the refresh token (single-use: each refresh replaces it)
	// and when the access token expires.
	Refresh   string
	ExpiresAt time.Time
}

// OAuth2 reports Bearer credentials.
func (c Credentials) OAuth2() bool { return c.Kind == KindOAuth2 }

// Complete reports credentials that calls can be made with.
func (c Credentials) Complete() bool {
	if c.OAuth2() {
		return c.Token != ""
	}
	return c.Token != "" && c.Secret != ""
}

// Identity is who signed in.
type Identity struct {
	UserID     string // X id, decimal digits (exceeds 2^53: never a float)
	ScreenName string
	Credentials
}

// User is what is stored for a signed-in visitor.
type User struct {
	// Identity's Credentials are zero when nothing is kept: a sign-up with
	// no work to do with the visitor's own token stores none.
	Identity
	Choices
	SignedInAt time.Time
	// Brand: the brand account (FOLLOW_UID) connected through its own
	// start; its credentials are the sender's. The brand account signing in
	// as a visitor is not Brand, and leaves the sender's credentials alone.
	Brand   bool
	Actions []useritem.Action // to request, unless already requested before
}

// Protocol is the sign-in protocol with X. OAuth 1.0a implements it today;
// OAuth 2.0 with PKCE can sit beside it without touching handlers or stores.
type Protocol interface {
	// Start asks X for the state of a new sign-in that grants a, and the
	// URL to send the browser to.
	Start(ctx context.Context, a Access) (Authorization, error)
	// ParseCallback reads the callback's query parameters.
	ParseCallback(q url.Values) (Callback, error)
	// Finish exchanges the callback for the user's identity and credentials.
	Finish(ctx context.Context, s Session, cb Callback) (Identity, error)
}

// Revoker ends at X a grant the service will not keep (an account other
// than the brand's on the brand's start).
type Revoker interface {
	Revoke(ctx context.Context, c Credentials) error
}

// SessionStore keeps sessions between Start and Finish.
type SessionStore interface {
	// Put stores a new session.
	Put(ctx context.Context, s Session) error
	// Consume removes and returns the session in one atomic step, only if it
	// exists, has not expired at now, and was started by the browser whose
	// cookie hashes to bindingHash. Otherwise it removes nothing and returns
	// ErrSessionNotFound, ErrSessionExpired or ErrSessionMismatch.
	Consume(ctx context.Context, key, bindingHash string, now time.Time) (Session, error)
}

// UserStore keeps signed-in users.
type UserStore interface {
	// SaveSignIn creates or updates the user in one write: new credentials
	// replace old ones (zero credentials leave the stored ones as they
	// are); actions already requested are not requested again.
	// created reports that the write created the user (their first
	// sign-in), learnt from that same write.
	SaveSignIn(ctx context.Context, u User) (created bool, err error)
}
