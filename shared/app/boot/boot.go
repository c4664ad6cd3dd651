package boot

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
)

// Deps are what a function is built from.
type Deps struct {
	Config *config.Config
	Log    zerolog.Logger
	DB     *dynamodb.Client
	// Sealer is, on deployed stages, a *seal.Keyring: a warm function that
	// meets a value sealed with a key it does not know (make rotate-key and
	// make reseal since its cold start) re-reads the keys from SSM, at most
	// once a minute. Where the keys come from the environment it is a plain
	// *seal.Sealer.
	Sealer seal.Box
	// EdgeReload re-reads the origin header secrets from SSM (a warm
	// function after make rotate-edge-secret); nil where they cannot change.
	EdgeReload func(context.Context) ([]string, error)
	// Links sign the unsubscribe links of the DMs and verify them on the
	// unsubscribe page (LINK_SIGNING_KEY, and the keys of links signed
	// earlier): built once, here.
	Links *unsubscribe.Links
}

// Run is a Lambda's main: it loads the function's dependencies and serves
// the handler that build makes of them. A configuration problem stops the
// start with one line naming it (never a secret), rather than failing the
// first request.
func Run(function string, build func(*Deps) any) {
	d, err := Load(context.Background(), os.Getenv, os.Stdout, function)
	if err != nil {
		fmt.Fprintln(os.Stderr, function+":", err)
		os.Exit(1)
	}
	lambda.Start(build(d))
}

// Load reads the function's configuration (fetching its own secrets, and
// only those, from SSM when named: config.LoadFor) and
// builds the clients every function shares. It makes no call beyond
// config.Load's one GetParameters; the keyring calls SSM again only when it
// meets an unknown key id.
func Load(ctx context.Context, env config.Env, logOut io.Writer, function string) (*Deps, error) {
	awsCfg, err := config.AWS(env)
	if err != nil {
		return nil, err
	}
	ssm := config.SSM{AWS: awsCfg, Endpoint: config.SSMEndpoint(env)}
	cfg, err := config.LoadFor(ctx, env, ssm, function)
	if err != nil {
		return nil, err
	}
	log := logging.New(logOut, cfg.LogLevel, function, cfg.Stage)
	sealer, err := seal.New(cfg.EncryptionKeys[0], cfg.EncryptionKeys[1:]...)
	if err != nil {
		return nil, err
	}
	if id := cfg.EncryptionKeyID; id != "" && id != sealer.CurrentKeyID() {
		// Both ids are names, not keys. Starting anyway is right: the keys
		// read are the stage's; only the deploy's record of them is stale.
		log.Warn().Str("key_id", sealer.CurrentKeyID()).Str("deployed_key_id", id).
			Msg("the current token encryption key is not the one this deploy was made for (TOKEN_ENCRYPTION_KEY_ID): the deploy ran before make rotate-key finished, or make rotate-key ran after it; run make deploy again")
	}
	var box seal.Box = sealer
	if reload := config.KeyReload(env, cfg, ssm); reload != nil {
		ring := seal.NewKeyring(sealer, loggedReload(reload, log))
		// Keys read before the deploy's key existed are re-read at the
		// first seal, not kept until a value under the new key shows up.
		ring.Deployed = cfg.EncryptionKeyID
		box = ring
	}
	d := New(cfg, log, dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if ep := config.DynamoDBEndpoint(env); ep != "" {
			o.BaseEndpoint = &ep
		}
	}), box)
	d.EdgeReload = config.EdgeReload(cfg, ssm)
	return d, nil
}

// New is the Deps of a configuration, a log, a DynamoDB client and a
// sealer (Load's, or a test's): the unsubscribe links are derived here,
// once, for the functions that read the link keys (generate_session reads
// none of them: its Links is nil).
func New(cfg *config.Config, log zerolog.Logger, db *dynamodb.Client, sealer seal.Box) *Deps {
	d := &Deps{Config: cfg, Log: log, DB: db, Sealer: sealer}
	if len(cfg.LinkKey) > 0 {
		d.Links = unsubscribe.ForStage(cfg.CallbackURL, cfg.LinkKey[0], cfg.LinkOldKeys, cfg.EncryptionKeys)
	}
	return d
}

// loggedReload logs each re-read of the keys (a rare event an operator wants
// to see after a rotation); key ids only.
func loggedReload(reload seal.Reload, log zerolog.Logger) seal.Reload {
	return func(ctx context.Context) (*seal.Sealer, error) {
		s, err := reload(ctx)
		if err != nil {
			log.Error().Err(err).Msg("met a value sealed with an unknown token encryption key; re-reading the keys from SSM failed")
			return nil, err
		}
		log.Info().Str("key_id", s.CurrentKeyID()).Msg("met a value sealed with an unknown token encryption key; re-read the keys from SSM")
		return s, nil
	}
}
