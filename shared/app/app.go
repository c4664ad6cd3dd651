package app

import (
	"context"
	"io"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/app/actionsfn"
	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/app/signinfn"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/dispatch"
	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
)

// Deps are what a function is built from (boot.Deps).
type Deps boot.Deps

// Load reads the configuration and builds the clients every function shares,
// as a function's cold start does (boot.Load).
func Load(ctx context.Context, env config.Env, logOut io.Writer, function string) (*Deps, error) {
	d, err := boot.Load(ctx, env, logOut, function)
	return (*Deps)(d), err
}

func (d *Deps) boot() *boot.Deps { return (*boot.Deps)(d) }

// SignIn builds the handlers of the two sign-in routes with
// generate_session's timing (twitter_callback's row is the same;
// CallbackRoutes uses its own).
func (d *Deps) SignIn() *web.Handlers { return signinfn.New(d.boot(), boot.GenerateSession) }

// StartSignIn is the generate_session function's handler: the sign-in
// start behind the edge check (a 403 for a request that bypassed CloudFront,
// when edge protection is on).
func (d *Deps) StartSignIn() func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return signinfn.StartSignIn(d.boot())
}

// CallbackRoutes is the twitter_callback function's handler: the sign-in
// callback and the unsubscribe page.
func (d *Deps) CallbackRoutes() func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return signinfn.CallbackRoutes(d.boot(), boot.TwitterCallback)
}

// UnsubscribeLinks are the stage's unsubscribe links.
func (d *Deps) UnsubscribeLinks() *unsubscribe.Links { return signinfn.Links(d.Config) }

// Actions builds the twitter_actions handler: the stream path, campaigns and
// the sweep.
func (d *Deps) Actions() *dispatch.Handler { return actionsfn.New(d.boot(), boot.TwitterActions) }
