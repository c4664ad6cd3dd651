package xoauth2

import (
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Endpoint names, as Error.Step and the sandbox call them.
const (
	StepAuthorize = "oauth2_authorize" // an error X sent back through the browser
	StepToken     = "oauth2_token"     // the authorization code exchange
	StepRefresh   = "oauth2_refresh"   // a refresh (POST /2/oauth2/token too)
	StepRevoke    = "oauth2_revoke"
	StepUsersMe   = "users_me"
)

// Options configure the protocol and the token endpoint's client.
type Options struct {
	// ClientID and ClientSecret are the app's OAuth 2.0 confidential-client
	// credentials (TWITTER_CLIENT_ID, TWITTER_CLIENT_SECRET).
	ClientID     string
	ClientSecret string
	AuthorizeURL *url.URL // X's consent page (TWITTER_AUTHORIZE_URL)
	BaseURL      *url.URL // https://api.x.com, or the sandbox: /2/oauth2/* and /2/users/me
	CallbackURL  string   // our callback route: the redirect_uri, exactly as registered with the app
	HTTPClient   *http.Client
	// Retry is the function's policy for calls to X. The protocol reads
	// /2/users/me under it; the code exchange only ever retries a 429 (X
	// answers it before looking at the code).
	Retry xapi.Retry
	Rand  io.Reader        // state and verifier; default crypto/rand
	Now   func() time.Time // when the access token expires; default time.Now
}
