package config

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// FollowMode says how a visitor who ticked "follow" comes to follow the brand.
type FollowMode string

// The follow modes. X removed following through the API from its self-serve
// plans in April 2026: "api" works only for apps whose plan still has it.
const (
	FollowAPI    FollowMode = "api"    // the actions function follows with the user's token
	FollowIntent FollowMode = "intent" // the success redirect asks the page to show a follow button
	FollowOff    FollowMode = "off"
)

// Secret is a string that never prints itself, so that a Config logged or
// wrapped into an error by mistake does not leak it.
type Secret string

// String redacts the value.
func (Secret) String() string { return "[redacted]" }

// GoString redacts the value for %#v too.
func (Secret) GoString() string { return "[redacted]" }

// MarshalText redacts the value in JSON and in zerolog fields.
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Reveal returns the value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// Keys are AES-256 keys; like Secret they never print.
type Keys [][]byte

// String redacts the keys.
func (k Keys) String() string { return fmt.Sprintf("[%d keys redacted]", len(k)) }

// GoString redacts the keys for %#v too.
func (k Keys) GoString() string { return k.String() }

// Config is the whole configuration of every function. All three functions
// share it (serverless.yml gives them the same environment) so that one
// validation covers them all.
type Config struct {
	Stage          string
	SessionTable   string
	TwitterTable   string
	CampaignsTable string

	ConsumerKey    string
	ConsumerSecret Secret
	APIBaseURL     *url.URL // both /oauth/* and /2/* live under it
	CallbackURL    *url.URL // our twitter_callback route, registered with the X app
	SiteURL        *url.URL // where the browser lands after sign-in
	// AllowedOrigins are the pages that may start a sign-in: the origin of
	// SiteURL and every origin of ALLOWED_ORIGINS.
	AllowedOrigins origins.Set

	FollowUID  string // the brand's X id, decimal digits (never a float)
	FollowMode FollowMode

	// EncryptionKeys[0] seals; all of them open (rotation).
	EncryptionKeys Keys
	// EncryptionKeyID is TOKEN_ENCRYPTION_KEY_ID: the id of the current key as
	// the deploy saw it ("" when not given). It is what makes a deploy after a
	// rotation change the functions' configuration; a mismatch with
	// EncryptionKeys[0] is worth a warning, not a refusal to start.
	EncryptionKeyID string
	// EncryptionKeySSM names the SSM parameters the keys came from (deployed
	// stages; empty locally), so that a warm function can read them again
	// when it meets a value sealed with a key it does not know.
	EncryptionKeySSM KeyParams

	// LinkKey signs the unsubscribe links; LinkOldKeys only verify them
	// (links sent under earlier keys keep working).
	LinkKey     Keys
	LinkOldKeys Keys

	LogLevel zerolog.Level

	WelcomeDMText  string
	OptInTweetText string
}

// SecretSource fetches decrypted SecureString parameters by name.
type SecretSource interface {
	GetParameters(ctx context.Context, names []string) (map[string]string, error)
}

// Env is how Load reads a variable: os.Getenv in production, a map in tests.
type Env func(string) string

// Load reads, resolves and validates the configuration. Secrets named by a
// *_SSM variable are fetched from src in a single call; src may be nil when no
// such variable is set (local stage, tests).
func Load(ctx context.Context, env Env, src SecretSource) (*Config, error) {
	var p problems
	if err := resolveSecrets(ctx, env, src, &p); err != nil {
		return nil, err
	}
	if p.secretsEnv != nil {
		base := env
		env = func(k string) string {
			if v, ok := p.secretsEnv[k]; ok {
				return v
			}
			return base(k)
		}
	}

	c := &Config{
		Stage:          p.required(env, "STAGE"),
		SessionTable:   p.required(env, "SESSION_TABLE"),
		TwitterTable:   p.required(env, "TWITTER_TABLE"),
		CampaignsTable: strings.TrimSpace(env("CAMPAIGNS_TABLE")),
		ConsumerKey:    p.required(env, "TWITTER_CONSUMER_KEY"),
		ConsumerSecret: Secret(p.required(env, "TWITTER_CONSUMER_SECRET")),
		APIBaseURL:     p.url(env, "TWITTER_API_BASE_URL", "https://api.x.com"),
		CallbackURL:    p.url(env, "TWITTER_CALLBACK_URL", ""),
		SiteURL:        p.url(env, "SITE_CALLBACK_URL", ""),
		EncryptionKeySSM: KeyParams{
			Current: strings.TrimSpace(env("TOKEN_ENCRYPTION_KEY_SSM")),
			Old:     strings.TrimSpace(env("TOKEN_ENCRYPTION_OLD_KEYS_SSM")),
		},
		FollowUID:       p.xid(env, "FOLLOW_UID"),
		FollowMode:      p.followMode(env),
		EncryptionKeys:  p.keys(env),
		EncryptionKeyID: p.keyID(env),
		LinkKey:         p.keyList(env, "LINK_SIGNING_KEY", true),
		LinkOldKeys:     p.keyList(env, "LINK_SIGNING_OLD_KEYS", false),
		LogLevel:        p.level(env),
		WelcomeDMText:   textOr(env, "WELCOME_DM_TEXT", "Thanks for signing up! We'll keep you posted here."),
		OptInTweetText:  textOr(env, "OPT_IN_TWEET_TEXT", "I just signed up!"),
	}
	c.AllowedOrigins = p.origins(env, c.SiteURL)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// KeyParams names the SSM parameters of the token encryption keys.
type KeyParams struct {
	Current string // TOKEN_ENCRYPTION_KEY_SSM
	Old     string // TOKEN_ENCRYPTION_OLD_KEYS_SSM (optional parameter)
}

func textOr(env Env, name, def string) string {
	if v := strings.TrimSpace(env(name)); v != "" {
		return v
	}
	return def
}

// problems collects every configuration problem so the error names them all.
type problems struct {
	list       []string
	secretsEnv map[string]string
}

func (p *problems) add(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return errors.New("config: invalid configuration: " + strings.Join(p.list, "; "))
}

func (p *problems) required(env Env, name string) string {
	v := strings.TrimSpace(env(name))
	if v == "" {
		p.add("%s is missing", name)
	}
	return v
}

// url parses an absolute http(s) URL. The value is not secret, so it may be
// quoted in the error.
func (p *problems) url(env Env, name, def string) *url.URL {
	raw := strings.TrimSpace(env(name))
	if raw == "" {
		raw = def
	}
	if raw == "" {
		p.add("%s is missing", name)
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
		p.add("%s %q is not an absolute http(s) URL without credentials or fragment", name, raw)
		return nil
	}
	return u
}

// xid validates an X user id: decimal digits that fit in 64 bits. It stays a
// string: X ids exceed 2^53 and must never pass through a float64.
func (p *problems) xid(env Env, name string) string {
	v := p.required(env, name)
	if v != "" {
		if _, err := xapi.ParseID(v); err != nil {
			p.add("%s %q is not an X user id (decimal digits)", name, v)
			return ""
		}
	}
	return v
}

func (p *problems) followMode(env Env) FollowMode {
	switch m := FollowMode(strings.ToLower(strings.TrimSpace(env("FOLLOW_MODE")))); m {
	case FollowAPI, FollowIntent, FollowOff:
		return m
	case "":
		return FollowIntent
	default:
		p.add("FOLLOW_MODE %q is not one of api, intent, off", m)
		return ""
	}
}

func (p *problems) keys(env Env) Keys {
	return append(p.keyList(env, "TOKEN_ENCRYPTION_KEY", true), p.keyList(env, "TOKEN_ENCRYPTION_OLD_KEYS", false)...)
}

// keyList reads one key (required) or a comma-separated list of keys
// (optional), each base64 of 32 bytes. Errors never quote a key.
func (p *problems) keyList(env Env, name string, one bool) Keys {
	raw := env(name)
	if one {
		if raw = p.required(env, name); raw == "" {
			return nil
		}
		k, err := seal.ParseKey(raw)
		if err != nil {
			p.add("%s %s (want base64 of 32 random bytes)", name, err)
			return nil
		}
		return Keys{k}
	}
	var keys Keys
	for i, s := range strings.Split(raw, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, err := seal.ParseKey(s)
		if err != nil {
			p.add("%s entry %d %s", name, i+1, err)
			continue
		}
		keys = append(keys, k)
	}
	return keys
}

// keyID reads TOKEN_ENCRYPTION_KEY_ID: a key id (seal.KeyID, 8 hex digits)
// or empty.
func (p *problems) keyID(env Env) string {
	v := strings.ToLower(strings.TrimSpace(env("TOKEN_ENCRYPTION_KEY_ID")))
	if v == "" {
		return ""
	}
	if len(v) != 8 || strings.Trim(v, "0123456789abcdef") != "" {
		p.add("TOKEN_ENCRYPTION_KEY_ID %q is not a key id (8 hex digits)", v)
		return ""
	}
	return v
}

// origins is the origin of the site plus ALLOWED_ORIGINS.
func (p *problems) origins(env Env, site *url.URL) origins.Set {
	list := []string{}
	if site != nil {
		list = append(list, origins.Of(site))
	}
	for _, o := range strings.Split(env("ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			list = append(list, o)
		}
	}
	set, err := origins.NewSet(list...)
	if err != nil {
		p.add("ALLOWED_ORIGINS: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return set
}

func (p *problems) level(env Env) zerolog.Level {
	raw := strings.TrimSpace(env("LOG_LEVEL"))
	if raw == "" {
		return zerolog.InfoLevel
	}
	l, err := zerolog.ParseLevel(strings.ToLower(raw))
	if err != nil || l == zerolog.NoLevel {
		p.add("LOG_LEVEL %q is not a zerolog level (debug, info, warn, error)", raw)
		return zerolog.InfoLevel
	}
	return l
}

// secretVars maps each secret variable to the variable naming its SSM parameter.
var secretVars = [][2]string{
	{"TWITTER_CONSUMER_SECRET", "TWITTER_CONSUMER_SECRET_SSM"},
	{"TOKEN_ENCRYPTION_KEY", "TOKEN_ENCRYPTION_KEY_SSM"},
	{"TOKEN_ENCRYPTION_OLD_KEYS", "TOKEN_ENCRYPTION_OLD_KEYS_SSM"},
	{"LINK_SIGNING_KEY", "LINK_SIGNING_KEY_SSM"},
	{"LINK_SIGNING_OLD_KEYS", "LINK_SIGNING_OLD_KEYS_SSM"},
}

// optionalSecret reports the secrets whose parameter may not exist.
func optionalSecret(name string) bool {
	return name == "TOKEN_ENCRYPTION_OLD_KEYS" || name == "LINK_SIGNING_OLD_KEYS"
}

// resolveSecrets fetches, in one call, every secret whose value is not given
// directly but whose parameter name is. A parameter that does not exist is a
// configuration problem, except the optional old keys.
func resolveSecrets(ctx context.Context, env Env, src SecretSource, p *problems) error {
	var names []string
	byName := map[string]string{}
	for _, v := range secretVars {
		if strings.TrimSpace(env(v[0])) != "" {
			continue
		}
		if name := strings.TrimSpace(env(v[1])); name != "" {
			names = append(names, name)
			byName[name] = v[0]
		}
	}
	if len(names) == 0 {
		return nil
	}
	if src == nil {
		return errors.New("config: SSM parameters are named but no parameter store client was given")
	}
	values, err := src.GetParameters(ctx, names)
	if err != nil {
		return fmt.Errorf("config: reading %s from SSM Parameter Store: %w", strings.Join(names, ", "), err)
	}
	p.secretsEnv = map[string]string{}
	for _, name := range names {
		v, ok := values[name]
		if !ok && !optionalSecret(byName[name]) {
			p.add("SSM parameter %s (for %s) does not exist", name, byName[name])
			continue
		}
		p.secretsEnv[byName[name]] = v
	}
	return nil
}
