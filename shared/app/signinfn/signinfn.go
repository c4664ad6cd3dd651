package signinfn

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/grants"
	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
	"github.com/twitter-sessions/twitter-sessions/shared/sessionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth1"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
)

// GenerateSession is generate_session's handler (boot.Run).
func GenerateSession(d *boot.Deps) any { return StartSignIn(d) }

// StartSignIn is generate_session's handler as a function: the sign-in
// start behind the edge check (Edge).
func StartSignIn(d *boot.Deps) web.HTTPHandler {
	return Edge(d, New(d, boot.GenerateSession).StartSignIn)
}

// Edge puts the origin header check in front of h when edge protection is
// on: a request that did not come through CloudFront is refused with 403
// before any work (web.ThroughEdge).
func Edge(d *boot.Deps, h web.HTTPHandler) web.HTTPHandler {
	e := d.Config.Edge
	if !e.On {
		return h
	}
	secrets := make([]string, len(e.Secrets))
	for i, s := range e.Secrets {
		secrets[i] = s.Reveal()
	}
	return web.ThroughEdge(web.NewEdgeGuard(secrets, d.EdgeReload), d.Log, h)
}

// TwitterCallback is twitter_callback's handler (boot.Run).
func TwitterCallback(d *boot.Deps) any { return CallbackRoutes(d, boot.TwitterCallback) }

// New builds the handlers of the two sign-in routes: the X protocol, the
// session and user stores, and the sign-in use case behind them.
func New(d *boot.Deps, t boot.Timing) *web.Handlers {
	c := d.Config
	svc := &signin.Service{
		Sessions:   sessionstore.New(d.DB, c.SessionTable, d.Sealer),
		Users:      userstore.New(d.DB, c.TwitterTable, d.Sealer),
		Revoker:    grants.ForStage(c, xapi.NewHTTPClient(t.XCall)),
		BrandUID:   c.FollowUID,
		FollowMode: c.FollowMode,
		PostsOptIn: c.OptInTweetText != "",
	}
	svc.Protocol = Protocol(d, t, svc.Access)
	return &web.Handlers{
		Service: svc,
		Site: web.Site{
			URL:         c.SiteURL,
			CallbackURL: c.CallbackURL,
			FollowMode:  c.FollowMode,
			BrandUID:    c.FollowUID,
			Origins:     c.AllowedOrigins,
		},
		Log:     d.Log,
		Budget:  t.Margin,
		Metrics: metrics.New(c.Stage, nil),
	}
}

// Protocol is the stage's sign-in protocol with X (SIGNIN_PROTOCOL). It
// logs, once per cold start, which one it is and what a sign-in asks for
// (OAuth 2.0 scopes, OAuth 1.0a access types): a plain visitor's, the most
// a visitor's can be on this stage, and the brand's. That is what an
// operator compares with the X app's settings when X refuses a sign-in.
// No secret is logged. access is the use case's own decision
// (signin.Service.Access).
func Protocol(d *boot.Deps, t boot.Timing, access func(signin.Choices) signin.Access) signin.Protocol {
	c := d.Config
	plain := access(signin.Choices{})
	most := access(signin.Choices{Follow: true, Tweet: true})
	brand := access(signin.Choices{Brand: true})
	if c.Protocol == config.ProtocolOAuth1 {
		d.Log.Info().Str("protocol", string(c.Protocol)).Str("visitor_access", xoauth1.AccessType(plain)).
			Str("visitor_access_most", xoauth1.AccessType(most)).Str("brand_access", "app level (x_auth_access_type left out)").
			Msg("sign-in protocol: OAuth 1.0a")
		return xoauth1.New(xoauth1.Options{
			ConsumerKey:    c.ConsumerKey,
			ConsumerSecret: c.ConsumerSecret.Reveal(),
			BaseURL:        c.APIBaseURL,
			CallbackURL:    c.CallbackURL.String(),
			HTTPClient:     xapi.NewHTTPClient(t.XCall),
			Retry:          t.Retry(false),
		})
	}
	d.Log.Info().Str("protocol", string(c.Protocol)).Str("visitor_scopes", strings.Join(xoauth2.Scopes(plain), " ")).
		Str("visitor_scopes_most", strings.Join(xoauth2.Scopes(most), " ")).Str("brand_scopes", strings.Join(xoauth2.Scopes(brand), " ")).
		Str("authorize_url", c.AuthorizeURL.String()).Msg("sign-in protocol: OAuth 2.0 with PKCE")
	return xoauth2.New(xoauth2.Options{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret.Reveal(),
		AuthorizeURL: c.AuthorizeURL,
		BaseURL:      c.APIBaseURL,
		CallbackURL:  c.CallbackURL.String(),
		HTTPClient:   xapi.NewHTTPClient(t.XCall),
		Retry:        t.Retry(false),
	})
}

// Unsubscribe builds the page of GET/POST /api/unsubscribe.
func Unsubscribe(d *boot.Deps) *web.UnsubscribePage {
	return &web.UnsubscribePage{
		Links: d.Links,
		Users: userstore.New(d.DB, d.Config.TwitterTable, d.Sealer),
		Log:   d.Log,
	}
}

// CallbackRoutes is twitter_callback's handler: the sign-in callback,
// behind the edge check, and, on its own route, the unsubscribe page, which
// is not: the links in DMs already sent name the address the callback had
// when they were sent (the API's own before the edge was turned on), each
// is signed, and its route has a throttle bucket of its own.
func CallbackRoutes(d *boot.Deps, t boot.Timing) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return web.CallbackRoutes(Edge(d, New(d, t).Callback), Unsubscribe(d).Handle)
}
