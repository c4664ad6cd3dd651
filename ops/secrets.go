package ops

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/grants"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Secrets are what forget needs beyond the tables: the keys that open a
// user's sealed tokens, the key of the reference it prints instead of the
// uid, and the app's OAuth 2.0 client and OAuth 1.0a consumer credentials
// (to revoke a grant, to invalidate a token). They never print.
type Secrets struct {
	Opener seal.Box
	RefKey []byte // the stage's link signing key (LINK_SIGNING_KEY)
	// ClientID and ClientSecret are "" when the stage has no OAuth 2.0
	// client: no OAuth 2.0 grant can be revoked then.
	ClientID     string
	ClientSecret string
	// ConsumerKey and ConsumerSecret (TWITTER_CONSUMER_KEY and its secret)
	// are "" when the stage has no OAuth 1.0a app: no OAuth 1.0a token can
	// be invalidated then.
	ConsumerKey    string
	ConsumerSecret string
	APIBaseURL     *url.URL // X (TWITTER_API_BASE_URL)
}

// String keeps the keys out of any print.
func (Secrets) String() string { return "ops.Secrets[redacted]" }

// Secrets reads the stage's keys: from its variables on the local stage,
// from SSM Parameter Store (one GetParameters call) on a deployed one, as
// the functions read them at a cold start. The old keys' and the client
// and consumer secrets' parameters may be missing.
func (t *Target) Secrets(ctx context.Context) (Secrets, error) {
	v, err := t.secretValues(ctx, "TOKEN_ENCRYPTION_KEY", "TOKEN_ENCRYPTION_OLD_KEYS", "LINK_SIGNING_KEY",
		"TWITTER_CLIENT_SECRET", "TWITTER_CONSUMER_SECRET")
	if err != nil {
		return Secrets{}, err
	}
	var s Secrets
	if v["TOKEN_ENCRYPTION_KEY"] == "" || v["LINK_SIGNING_KEY"] == "" {
		return s, fmt.Errorf("%w: stage %s has no TOKEN_ENCRYPTION_KEY or LINK_SIGNING_KEY (deployed stages: make secrets STAGE=%s)", ErrMissingSecrets, t.Stage, t.Stage)
	}
	keys, err := parseKeys("TOKEN_ENCRYPTION_KEY", v["TOKEN_ENCRYPTION_KEY"]+","+v["TOKEN_ENCRYPTION_OLD_KEYS"])
	if err != nil {
		return s, err
	}
	if s.Opener, err = seal.New(keys[0], keys[1:]...); err != nil {
		return s, err
	}
	links, err := parseKeys("LINK_SIGNING_KEY", v["LINK_SIGNING_KEY"])
	if err != nil {
		return s, err
	}
	s.RefKey = links[0]
	s.ClientID, s.ClientSecret = strings.TrimSpace(t.Env["TWITTER_CLIENT_ID"]), v["TWITTER_CLIENT_SECRET"]
	s.ConsumerKey, s.ConsumerSecret = strings.TrimSpace(t.Env["TWITTER_CONSUMER_KEY"]), v["TWITTER_CONSUMER_SECRET"]
	if s.APIBaseURL, err = url.Parse(firstNonEmpty(t.Env["TWITTER_API_BASE_URL"], "https://api.x.com")); err != nil {
		return s, fmt.Errorf("TWITTER_API_BASE_URL: %w", err)
	}
	return s, nil
}

// secretValues returns each name's value: the variable itself when set,
// else the SSM parameter its NAME_SSM variable names ("" when neither, or
// when the parameter does not exist).
func (t *Target) secretValues(ctx context.Context, names ...string) (map[string]string, error) {
	out := map[string]string{}
	byParam := map[string]string{}
	var params []string
	for _, n := range names {
		if v := strings.TrimSpace(t.Env[n]); v != "" {
			out[n] = v
		} else if p := strings.TrimSpace(t.Env[n+"_SSM"]); p != "" {
			byParam[p] = n
			params = append(params, p)
		}
	}
	if len(params) == 0 {
		return out, nil
	}
	if t.params == nil {
		return nil, fmt.Errorf("%w: stage %s names SSM parameters but has no AWS access", ErrMissingSecrets, t.Stage)
	}
	got, err := t.params.GetParameters(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s from SSM: %w", ErrMissingSecrets, strings.Join(params, ", "), err)
	}
	for p, v := range got {
		out[byParam[p]] = v
	}
	return out, nil
}

// parseKeys parses a comma-separated list of base64 keys, naming the
// variable (never a key) in errors.
func parseKeys(name, list string) ([][]byte, error) {
	keys, err := seal.ParseKeyList(list)
	if err != nil {
		return nil, fmt.Errorf("%s %w", name, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: %s is empty", ErrMissingSecrets, name)
	}
	return keys, nil
}

// Grants ends grants at X with the stage's apps: its OAuth 2.0 client and
// its OAuth 1.0a consumer, each nil when the stage has none.
func (s Secrets) Grants() grants.Revoker {
	return grants.New(grants.Apps{
		ConsumerKey: s.ConsumerKey, ConsumerSecret: s.ConsumerSecret,
		ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		BaseURL: s.APIBaseURL,
	}, xapi.NewHTTPClient(15*time.Second))
}
