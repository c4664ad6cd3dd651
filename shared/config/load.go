package config

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Load reads, resolves and validates the configuration. Secrets named by a
// *_SSM variable are fetched from src in a single call; src may be nil when no
// such variable is set (local stage, tests).
func Load(ctx context.Context, env Env, src SecretSource) (*Config, error) {
	var p problems
	proto := p.protocol(env)
	if err := resolveSecrets(ctx, env, src, proto, &p); err != nil {
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
		Protocol:       proto,
		AuthorizeURL:   p.url(env, "TWITTER_AUTHORIZE_URL", DefaultAuthorizeURL),
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
	c.ConsumerKey, c.ConsumerSecret = p.app(env, proto == ProtocolOAuth1, "TWITTER_CONSUMER_KEY", "TWITTER_CONSUMER_SECRET")
	c.ClientID, c.ClientSecret = p.app(env, proto == ProtocolOAuth2, "TWITTER_CLIENT_ID", "TWITTER_CLIENT_SECRET")
	c.AllowedOrigins = p.origins(env, c.SiteURL)
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
}

// optionalSecret reports the secrets whose parameter may not exist: the old
// keys, and the secret of an X app the stage neither signs in with nor names
// (a deployed stage names both apps' parameters; one may never be created).
func optionalSecret(env Env, proto Protocol, name string) bool {
	switch name {
	case "TOKEN_ENCRYPTION_OLD_KEYS", "LINK_SIGNING_OLD_KEYS":
		return true
	case "TWITTER_CONSUMER_SECRET":
		return proto != ProtocolOAuth1 && !given(env, "TWITTER_CONSUMER_KEY")
	case "TWITTER_CLIENT_SECRET":
		return proto != ProtocolOAuth2 && !given(env, "TWITTER_CLIENT_ID")
	}
	return false
}

// resolveSecrets fetches, in one call, every secret whose value is not given
// directly but whose parameter name is. A parameter that does not exist is a
// configuration problem, except an optional one (optionalSecret).
func resolveSecrets(ctx context.Context, env Env, src SecretSource, proto Protocol, p *problems) error {
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
		if !ok && !optionalSecret(env, proto, byName[name]) {
			p.add("SSM parameter %s (for %s) does not exist", name, byName[name])
			continue
		}
		p.secretsEnv[byName[name]] = v
	}
	return nil
}
