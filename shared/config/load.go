package config

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Load reads, resolves and validates the whole configuration, every secret
// included (tools and tests). Secrets named by a *_SSM variable are fetched
// from src in a single call; src may be nil when no such variable is set
// (local stage, tests).
func Load(ctx context.Context, env Env, src SecretSource) (*Config, error) {
	return LoadFor(ctx, env, src, "")
}

// LoadFor is Load for one function (GenerateSession, TwitterCallback,
// TwitterActions): it reads only the secrets that function uses (Reads),
// and requires only those. Secrets it does not read stay empty in the
// Config.
func LoadFor(ctx context.Context, env Env, src SecretSource, function string) (*Config, error) {
	var p problems
	proto := p.protocol(env)
	edgeOn, _ := strconv.ParseBool(strings.TrimSpace(env("EDGE_PROTECTION")))
	reads := Reads(function, proto, edgeOn)
	if err := resolveSecrets(ctx, env, src, proto, reads, &p); err != nil {
		return nil, err
	}
	// A secret the function does not read is not taken from the
	// environment either (a local stage gives every value directly).
	base := env
	env = func(k string) string {
		if isSecretVar(k) && !reads[k] {
			return ""
		}
		return base(k)
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
		Protocol:       proto,
		AuthorizeURL:   p.url(env, "TWITTER_AUTHORIZE_URL", DefaultAuthorizeURL),
		APIBaseURL:     p.url(env, "TWITTER_API_BASE_URL", "https://api.x.com"),
		CallbackURL:    p.url(env, "TWITTER_CALLBACK_URL", ""),
		SiteURL:        p.url(env, "SITE_CALLBACK_URL", ""),
		EncryptionKeySSM: KeyParams{
			Current: strings.TrimSpace(env("TOKEN_ENCRYPTION_KEY_SSM")),
			Old:     ssmNameIf(env, reads["TOKEN_ENCRYPTION_OLD_KEYS"], "TOKEN_ENCRYPTION_OLD_KEYS_SSM"),
		},
		FollowUID:       p.xid(env, "FOLLOW_UID"),
		FollowMode:      p.followMode(env),
		EncryptionKeys:  p.keys(env),
		EncryptionKeyID: p.keyID(env),
		LinkKey:         p.keyList(env, "LINK_SIGNING_KEY", reads["LINK_SIGNING_KEY"]),
		LinkOldKeys:     p.keyList(env, "LINK_SIGNING_OLD_KEYS", false),
		LogLevel:        p.level(env),
		WelcomeDMText:   textOr(env, "WELCOME_DM_TEXT", "Thanks for signing up! We'll keep you posted here."),
		OptInTweetText:  textOr(env, "OPT_IN_TWEET_TEXT", "I just signed up!"),
	}
	c.ConsumerKey, c.ConsumerSecret = p.app(env, proto == ProtocolOAuth1, reads["TWITTER_CONSUMER_SECRET"], "TWITTER_CONSUMER_KEY", "TWITTER_CONSUMER_SECRET")
	c.ClientID, c.ClientSecret = p.app(env, proto == ProtocolOAuth2, reads["TWITTER_CLIENT_SECRET"], "TWITTER_CLIENT_ID", "TWITTER_CLIENT_SECRET")
	c.Edge = p.edge(env, reads)
	c.AllowedOrigins = p.origins(env, c.SiteURL)
	if c.Edge.On {
		p.edgeOrigins(env, c.SiteURL)
	}
	p.texts(c)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

func textOr(env Env, name, def string) string {
	if v := strings.TrimSpace(env(name)); v != "" {
		return v
	}
	return def
}

// secretVars maps each secret variable to the variable naming its SSM parameter.
var secretVars = [][2]string{
	{"TWITTER_CONSUMER_SECRET", "TWITTER_CONSUMER_SECRET_SSM"},
	{"TWITTER_CLIENT_SECRET", "TWITTER_CLIENT_SECRET_SSM"},
	{"TOKEN_ENCRYPTION_KEY", "TOKEN_ENCRYPTION_KEY_SSM"},
	{"TOKEN_ENCRYPTION_OLD_KEYS", "TOKEN_ENCRYPTION_OLD_KEYS_SSM"},
	{"LINK_SIGNING_KEY", "LINK_SIGNING_KEY_SSM"},
	{"LINK_SIGNING_OLD_KEYS", "LINK_SIGNING_OLD_KEYS_SSM"},
	{"EDGE_SECRET", "EDGE_SECRET_SSM"},
	{"EDGE_OLD_SECRETS", "EDGE_OLD_SECRETS_SSM"},
}

func isSecretVar(name string) bool {
	for _, v := range secretVars {
		if v[0] == name {
			return true
		}
	}
	return false
}

// ssmNameIf is the parameter name in variable name, or "" when the
// function does not read that secret.
func ssmNameIf(env Env, reads bool, name string) string {
	if !reads {
		return ""
	}
	return strings.TrimSpace(env(name))
}

// optionalSecret reports the secrets whose parameter may not exist: the old
// keys, and the secret of an X app the stage neither signs in with nor names
// (a deployed stage names both apps' parameters; one may never be created).
func optionalSecret(env Env, proto Protocol, name string) bool {
	switch name {
	case "TOKEN_ENCRYPTION_OLD_KEYS", "LINK_SIGNING_OLD_KEYS", "EDGE_OLD_SECRETS":
		return true
	case "TWITTER_CONSUMER_SECRET":
		return proto != ProtocolOAuth1 && !given(env, "TWITTER_CONSUMER_KEY")
	case "TWITTER_CLIENT_SECRET":
		return proto != ProtocolOAuth2 && !given(env, "TWITTER_CLIENT_ID")
	}
	return false
}

// resolveSecrets fetches, in one call, every secret the function reads
// whose value is not given directly but whose parameter name is. A
// parameter that does not exist is a configuration problem, except an
// optional one (optionalSecret).
func resolveSecrets(ctx context.Context, env Env, src SecretSource, proto Protocol, reads map[string]bool, p *problems) error {
	var names []string
	byName := map[string]string{}
	for _, v := range secretVars {
		if !reads[v[0]] || strings.TrimSpace(env(v[0])) != "" {
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
		if !ok && !optionalSecret(env, proto, byName[name]) {
			p.add("SSM parameter %s (for %s) does not exist", name, byName[name])
			continue
		}
		p.secretsEnv[byName[name]] = v
	}
	return nil
}
