package xoauth2

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Bounds of the callback's parameters: far above what X sends (our state
// is 43 characters, X's codes under 100), low enough that a forged callback
// cannot fill a log line.
const (
	maxState = 200
	maxCode  = 1000
)

// Protocol is OAuth 2.0 Authorization Code with PKCE with X. Build it once;
// it is safe for concurrent use.
type Protocol struct {
	client    *Client
	authorize url.URL
	callback  string
	base      string
	http      *http.Client
	exchange  xapi.Retry // the code: a 429 only
	read      xapi.Retry // /2/users/me
	rand      io.Reader
}

var _ signin.Protocol = (*Protocol)(nil)

// New returns the protocol for one X app.
func New(o Options) *Protocol {
	r := o.Rand
	if r == nil {
		r = rand.Reader
	}
	exchange, read := o.Retry, o.Retry
	// Writes: a code is single-use, so a request that may have reached X
	// (a 5xx, no answer) is never repeated; a 429 is, X refused it before
	// looking at the code.
	exchange.Writes, read.Writes = true, false
	return &Protocol{
		client:    NewClient(o),
		authorize: *o.AuthorizeURL,
		callback:  o.CallbackURL,
		base:      strings.TrimRight(o.BaseURL.String(), "/"),
		http:      o.HTTPClient,
		exchange:  exchange,
		read:      read,
		rand:      r,
	}
}

// Start makes a state and a PKCE verifier and the authorize URL asking for
// a's scopes (RFC 6749 4.1.1, RFC 7636 4.3). It calls nothing: the session
// keeps the state as its key and the verifier as its (sealed) secret.
func (p *Protocol) Start(_ context.Context, a signin.Access) (signin.Authorization, error) {
	state, err := random(p.rand)
	if err != nil {
		return signin.Authorization{}, err
	}
	verifier, err := random(p.rand)
	if err != nil {
		return signin.Authorization{}, err
	}
	u := p.authorize
	q := u.Query()
	q.Set("response_type", "code")
	q.Set("client_id", p.client.clientID)
	q.Set("redirect_uri", p.callback)
	q.Set("scope", strings.Join(Scopes(a), " "))
	q.Set("state", state)
	q.Set("code_challenge", challengeS256(verifier))
	q.Set("code_challenge_method", "S256")
	// Spaces as %20, as X's own examples write the scope list: Encode
	// escapes a literal "+" as %2B, so every "+" it writes is a space.
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return signin.Authorization{URL: u.String(), Key: state, Secret: verifier}, nil
}

// ParseCallback reads X's redirect to our callback: ?code=&state= (RFC 6749
// 4.1.2), or ?error=&state= (4.1.2.1): access_denied is the visitor
// cancelling; any other error is X refusing the authorize request, with its
// reason (an *xapi.Error).
func (p *Protocol) ParseCallback(q url.Values) (signin.Callback, error) {
	state := q.Get("state")
	if len(state) > maxState {
		return signin.Callback{}, fmt.Errorf("%w: parameter too long", signin.ErrBadCallback)
	}
	if q.Has("error") {
		if q.Get("error") == "access_denied" {
			return signin.Callback{Key: state, Denied: true}, nil
		}
		if state == "" {
			return signin.Callback{}, fmt.Errorf("%w: an error without a state", signin.ErrBadCallback)
		}
		return signin.Callback{Key: state, Refused: xapi.OAuth2Error(StepAuthorize, q.Get("error"), q.Get("error_description"))}, nil
	}
	code := q.Get("code")
	if state == "" || code == "" {
		return signin.Callback{}, fmt.Errorf("%w: state and code are required", signin.ErrBadCallback)
	}
	if len(code) > maxCode {
		return signin.Callback{}, fmt.Errorf("%w: parameter too long", signin.ErrBadCallback)
	}
	return signin.Callback{Key: state, Verifier: code}, nil
}

// Finish exchanges the code and the session's verifier for the user's
// tokens (RFC 6749 4.1.3, RFC 7636 4.5), then asks X who they belong to:
// two calls. Only the second may be repeated after a 5xx or a lost answer.
func (p *Protocol) Finish(ctx context.Context, s signin.Session, cb signin.Callback) (signin.Identity, error) {
	var creds signin.Credentials
	err := p.exchange.Do(ctx, func(ctx context.Context) error {
		var err error
		creds, err = p.client.exchange(ctx, cb.Verifier, s.Secret, p.callback)
		return err
	})
	if err != nil {
		return signin.Identity{}, err
	}
	var id signin.Identity
	err = p.read.Do(ctx, func(ctx context.Context) error {
		var err error
		id, err = p.me(ctx, creds.Token)
		return err
	})
	if err != nil {
		return signin.Identity{}, err
	}
	id.Credentials = creds
	return id, nil
}
