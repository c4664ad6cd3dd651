package app

import (
	"context"
	"io"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/app/actionsfn"
	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/app/signinfn"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/dispatch"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
)

// Deps are what a function is built from (boot.Deps), with the builders of
// its handlers.
type Deps struct{ *boot.Deps }

// Load reads the configuration and builds the clients every function shares,
// as a function's cold start does (boot.Load).
func Load(ctx context.Context, env config.Env, logOut io.Writer, function string) (*Deps, error) {
	d, err := boot.Load(ctx, env, logOut, function)
	if err != nil {
		return nil, err
	}
	return &Deps{d}, nil
}

// New is the Deps of parts a test (or a tool) has built (boot.New).
func New(cfg *config.Config, log zerolog.Logger, db *dynamodb.Client, sealer seal.Box) *Deps {
	return &Deps{boot.New(cfg, log, db, sealer)}
}

// SignIn builds the handlers of the two sign-in routes with
// generate_session's timing (twitter_callback's row is the same;
// CallbackRoutes uses its own).
func (d *Deps) SignIn() *web.Handlers { return signinfn.New(d.Deps, boot.GenerateSession) }

// StartSignIn is the generate_session function's handler: the sign-in
// start behind the edge check (a 403 for a request that bypassed CloudFront,
// when edge protection is on).
func (d *Deps) StartSignIn() func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return signinfn.StartSignIn(d.Deps)
}

// CallbackRoutes is the twitter_callback function's handler: the sign-in
// callback and the unsubscribe page.
func (d *Deps) CallbackRoutes() func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return signinfn.CallbackRoutes(d.Deps, boot.TwitterCallback)
}

// Actions builds the twitter_actions handler: the stream path, campaigns and
// the sweep.
func (d *Deps) Actions() *dispatch.Handler { return actionsfn.New(d.Deps, boot.TwitterActions) }
