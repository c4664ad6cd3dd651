package xsandbox

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Endpoint names, as used in Fault.Endpoint, SetRateLimit and Call.Endpoint.
const (
	EndpointRequestToken = "request_token" // POST /oauth/request_token
	EndpointAuthenticate = "authenticate"  // GET and POST /oauth/authenticate and /oauth/authorize
	EndpointAccessToken  = "access_token"  // POST /oauth/access_token
	EndpointUsersMe      = "users_me"      // GET /2/users/me
	EndpointFollow       = "follow"        // POST /2/users/:id/following
	EndpointDM           = "dm"            // POST /2/dm_conversations/with/:participant_id/messages
	EndpointTweet        = "tweet"         // POST /2/tweets

	EndpointOAuth2Authorize = "oauth2_authorize" // GET and POST /i/oauth2/authorize and /2/oauth2/authorize
	EndpointOAuth2Token     = "oauth2_token"     // POST /2/oauth2/token
	EndpointOAuth2Revoke    = "oauth2_revoke"    // POST /2/oauth2/revoke

	EndpointInvalidateToken = "invalidate_token" // POST /1.1/oauth/invalidate_token(.json): the app revokes an OAuth 1.0a access token
)

// Endpoints lists every endpoint name the sandbox answers.
func Endpoints() []string {
	return []string{EndpointRequestToken, EndpointAuthenticate, EndpointAccessToken, EndpointInvalidateToken,
		EndpointUsersMe, EndpointFollow, EndpointDM, EndpointTweet,
		EndpointOAuth2Authorize, EndpointOAuth2Token, EndpointOAuth2Revoke}
}

func isEndpoint(name string) bool { return slices.Contains(Endpoints(), name) }

// isV2 reports whether an endpoint answers in X API v2 style (JSON problems,
// rate-limit headers on every answer).
func isV2(endpoint string) bool {
	switch endpoint {
	case EndpointUsersMe, EndpointFollow, EndpointDM, EndpointTweet:
		return true
	}
	return false
}

// Credentials main uses when none are given. Tests usually choose their own.
const (
	DefaultConsumerKey    = "sandbox-consumer-key"
	DefaultConsumerSecret = "sandbox-consumer-secret"
)

// Options configures a Sandbox: the one X app it knows and its users.
type Options struct {
	// ConsumerKey and ConsumerSecret are the registered app's credentials.
	ConsumerKey, ConsumerSecret string
	// ClientID and ClientSecret are the app's OAuth 2.0 confidential-client
	// credentials. OAuth 2.0 is off (every client is unknown) when either is
	// empty.
	ClientID, ClientSecret string
	// AllowedCallbacks is the app's callback allowlist: oauth_callback must
	// equal one of them exactly (after trimming spaces), else 403 code 415.
	// They are the OAuth 2.0 redirect URIs too, matched the same way.
	AllowedCallbacks []string
	// Now is the sandbox clock (timestamps, token expiry, rate-limit windows).
	// Default time.Now.
	Now func() time.Time
	// Users are the X accounts that exist. Default DefaultUsers().
	Users []User
	// RequestTokenTTL is how long a request token stays usable. Default 15m.
	RequestTokenTTL time.Duration
	// Logf, when set, gets one line per request (never a secret).
	Logf func(format string, args ...any)
}

// User is an X account in the sandbox.
type User struct {
	// ID is the account id: up to 19 digits, beyond 2^53, always a string.
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	// AcceptsDMsFrom is "all" (the default when empty) or "none"; DMs to a
	// user with "none" answer 403.
	AcceptsDMsFrom string `json:"accepts_dms_from"`
	// Protected accounts approve followers: a follow is pending.
	Protected bool `json:"protected"`
}

func (u User) acceptsDMs() bool { return u.AcceptsDMsFrom != "none" }

// DefaultUsers returns the sandbox's accounts: the brand and four visitors
// chosen for their edge cases.
func DefaultUsers() []User {
	return []User{
		{ID: "1900000000000000001", Username: "brand", Name: "The Brand", AcceptsDMsFrom: "all"},
		// Beyond 2^53: a client that parses ids as float64 gets it wrong.
		{ID: "1234567890123456789", Username: "alice", Name: "Alice Example", AcceptsDMsFrom: "all"},
		// 2^53 + 1: the smallest integer float64 cannot hold.
		{ID: "9007199254740993", Username: "bob", Name: "Bob Example", AcceptsDMsFrom: "all"},
		{ID: "1400000000000000003", Username: "carol", Name: "Carol Closed-DMs", AcceptsDMsFrom: "none"},
		{ID: "1500000000000000004", Username: "dave", Name: "Dave Protected", AcceptsDMsFrom: "all", Protected: true},
	}
}

// Sandbox is a fake of the parts of X that the sign-in service uses. It is an
// http.Handler, safe for concurrent use.
type Sandbox struct {
	opts Options
	mux  *http.ServeMux

	mu            sync.Mutex
	users         []User
	userByID      map[string]User
	requestTokens map[string]*requestToken
	accessTokens  map[string]*accessToken // usable or revoked by the user; invalidated ones leave
	o1Grants      []*accessToken          // every OAuth 1.0a access token issued, in order
	lastGrant     int                     // numbers the grants of both protocols
	o2            oauth2State
	nonces        nonceStore
	faults        []*queuedFault
	limits        rateLimiter
	calls         []Call
	inFlight      int // requests to X's surface not yet recorded
	follows       []Follow
	dms           []DM
	tweets        []Tweet
	lastID        uint64
}

// New returns a Sandbox for opts. It panics if a user has an id that is not
// 1 to 19 digits or a username used twice, as those are programming errors in
// the caller's setup.
func New(opts Options) *Sandbox {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Users == nil {
		opts.Users = DefaultUsers()
	}
	if opts.RequestTokenTTL <= 0 {
		opts.RequestTokenTTL = 15 * time.Minute
	}
	callbacks := make([]string, 0, len(opts.AllowedCallbacks))
	for _, c := range opts.AllowedCallbacks {
		if c = strings.TrimSpace(c); c != "" {
			callbacks = append(callbacks, c)
		}
	}
	opts.AllowedCallbacks = callbacks

	s := &Sandbox{
		opts:          opts,
		userByID:      map[string]User{},
		requestTokens: map[string]*requestToken{},
		accessTokens:  map[string]*accessToken{},
		o2: oauth2State{
			auths:   map[string]*oauth2Authorization{},
			codes:   map[string]*oauth2Code{},
			access:  map[string]*oauth2Token{},
			refresh: map[string]*oauth2Token{},
		},
		limits: rateLimiter{limits: map[string]rateLimit{}, windows: map[windowKey]*rateWindow{}},
	}
	names := map[string]bool{}
	for _, u := range opts.Users {
		if !isUserID(u.ID) {
			panic(fmt.Sprintf("xsandbox: user %q has id %q, want 1 to 19 digits", u.Username, u.ID))
		}
		if names[strings.ToLower(u.Username)] || s.userByID[u.ID].ID != "" {
			panic(fmt.Sprintf("xsandbox: user %q (%s) is listed twice", u.Username, u.ID))
		}
		u.AcceptsDMsFrom = cmp.Or(u.AcceptsDMsFrom, "all")
		names[strings.ToLower(u.Username)] = true
		s.users = append(s.users, u)
		s.userByID[u.ID] = u
	}
	s.mux = s.routes()
	return s
}

func (s *Sandbox) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST /oauth/request_token", s.endpoint(EndpointRequestToken, s.handleRequestToken))
	mux.Handle("GET /oauth/authenticate", s.endpoint(EndpointAuthenticate, s.handleAuthorizePage))
	mux.Handle("POST /oauth/authenticate", s.endpoint(EndpointAuthenticate, s.handleAuthorizeDecision))
	mux.Handle("GET /oauth/authorize", s.endpoint(EndpointAuthenticate, s.handleAuthorizePage))
	mux.Handle("POST /oauth/authorize", s.endpoint(EndpointAuthenticate, s.handleAuthorizeDecision))
	mux.Handle("POST /oauth/access_token", s.endpoint(EndpointAccessToken, s.handleAccessToken))
	for _, p := range []string{"/1.1/oauth/invalidate_token", "/1.1/oauth/invalidate_token.json"} {
		mux.Handle("POST "+p, s.endpoint(EndpointInvalidateToken, s.handleInvalidateToken))
	}
	mux.Handle("GET /2/users/me", s.endpoint(EndpointUsersMe, s.v2(EndpointUsersMe, s.handleUsersMe)))
	mux.Handle("POST /2/users/{id}/following", s.endpoint(EndpointFollow, s.v2(EndpointFollow, s.handleFollow)))
	mux.Handle("POST /2/dm_conversations/with/{participant_id}/messages", s.endpoint(EndpointDM, s.v2(EndpointDM, s.handleDM)))
	mux.Handle("POST /2/tweets", s.endpoint(EndpointTweet, s.v2(EndpointTweet, s.handleTweet)))
	for _, p := range []string{"/i/oauth2/authorize", "/2/oauth2/authorize"} {
		mux.Handle("GET "+p, s.endpoint(EndpointOAuth2Authorize, s.handleOAuth2AuthorizePage))
		mux.Handle("POST "+p, s.endpoint(EndpointOAuth2Authorize, s.handleOAuth2AuthorizeDecision))
	}
	mux.Handle("POST /2/oauth2/token", s.endpoint(EndpointOAuth2Token, s.handleOAuth2Token))
	mux.Handle("POST /2/oauth2/revoke", s.endpoint(EndpointOAuth2Revoke, s.handleOAuth2Revoke))
	mux.Handle("/", s.endpoint("", s.handleNotFound))
	s.controlRoutes(mux)
	return mux
}

// ServeHTTP answers X's paths and the sandbox's own control API under
// /_sandbox/.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Sandbox) handleNotFound(in *inbound) reply {
	return v1ErrorReply(http.StatusNotFound, 34, "no such endpoint in the sandbox: "+in.r.Method+" "+in.r.URL.Path)
}

// Users returns the sandbox's accounts.
func (s *Sandbox) Users() []User { return snapshot(s, &s.users) }

func (s *Sandbox) userByName(username string) (User, bool) {
	for _, u := range s.users {
		if strings.EqualFold(u.Username, username) {
			return u, true
		}
	}
	return User{}, false
}

func isUserID(id string) bool {
	return len(id) >= 1 && len(id) <= 19 && strings.Trim(id, "0123456789") == ""
}

func (s *Sandbox) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}
