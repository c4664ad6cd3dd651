package app

import (
	"context"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/sessions"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/users"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth1"
)

// Timing of the sign-in functions (10 s Lambda timeout): one call to X may
// take XCallTimeout; retries of 429/5xx happen only while they still leave
// Margin to write the outcome and answer the browser.
const (
	XCallTimeout = 3 * time.Second
	Margin       = 1500 * time.Millisecond
)

// Deps are what a function is built from.
type Deps struct {
	Config *config.Config
	Log    zerolog.Logger
	DB     *dynamodb.Client
	Sealer *seal.Sealer
}

// Load reads the configuration (fetching secrets from SSM when named) and
// builds the clients every function shares.
func Load(ctx context.Context, env config.Env, logOut io.Writer, function string) (*Deps, error) {
	awsCfg, err := config.AWS(env)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(ctx, env, config.SSM{AWS: awsCfg})
	if err != nil {
		return nil, err
	}
	sealer, err := seal.New(cfg.EncryptionKeys[0], cfg.EncryptionKeys[1:]...)
	if err != nil {
		return nil, err
	}
	return &Deps{
		Config: cfg,
		Log:    logging.New(logOut, cfg.LogLevel, function, cfg.Stage),
		DB: dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
			if ep := config.DynamoDBEndpoint(env); ep != "" {
				o.BaseEndpoint = &ep
			}
		}),
		Sealer: sealer,
	}, nil
}

// SignIn builds the handlers of the two sign-in routes.
func (d *Deps) SignIn() *web.Handlers {
	c := d.Config
	proto := xoauth1.New(xoauth1.Options{
		ConsumerKey:    c.ConsumerKey,
		ConsumerSecret: c.ConsumerSecret.Reveal(),
		BaseURL:        c.APIBaseURL,
		CallbackURL:    c.CallbackURL.String(),
		HTTPClient:     xapi.NewHTTPClient(XCallTimeout),
		Retry:          xapi.Retry{Attempts: 3, Backoff: 150 * time.Millisecond, MaxWait: 2 * time.Second, Margin: Margin},
	})
	svc := &signin.Service{
		Protocol:    proto,
		Sessions:    sessions.New(d.DB, c.SessionTable, d.Sealer),
		Users:       users.New(d.DB, c.TwitterTable, d.Sealer),
		BrandUID:    c.FollowUID,
		FollowByAPI: c.FollowMode == config.FollowAPI,
	}
	return &web.Handlers{
		Service: svc,
		Site: web.Site{
			URL:          c.SiteURL,
			CallbackURL:  c.CallbackURL,
			FollowIntent: c.FollowMode == config.FollowIntent,
			BrandUID:     c.FollowUID,
			Origins:      c.AllowedOrigins,
		},
		Log:    d.Log,
		Budget: Margin,
	}
}
