package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
	"github.com/twitter-sessions/twitter-sessions/shared/xtext"
)

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
		if !xid.Valid(v) {
			p.add("%s %q is not an X user id (decimal digits)", name, v)
			return ""
		}
	}
	return v
}

func (p *problems) followMode(env Env) signin.FollowMode {
	switch m := signin.FollowMode(strings.ToLower(strings.TrimSpace(env("FOLLOW_MODE")))); m {
	case signin.FollowAPI, signin.FollowIntent, signin.FollowOff:
		return m
	case "":
		return signin.FollowIntent
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
	keys, err := seal.ParseKeyList(raw)
	if err != nil {
		p.add("%s %s", name, err)
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

// texts refuses, at the start, the texts X would refuse at every send: the
// welcome DM with the longest unsubscribe line it gets (X's limit for a
// Direct Message is in characters), and the opt-in post (weighted as X
// weighs posts). The errors give lengths, never the texts.
func (p *problems) texts(c *Config) {
	if c.CallbackURL != nil {
		footer := unsubscribe.LongestFooter(unsubscribe.BaseFromCallback(c.CallbackURL))
		if n := xtext.DMLength(c.WelcomeDMText); n+footer > xtext.DMMaxLength {
			p.add("WELCOME_DM_TEXT is %d characters, and with the unsubscribe line every DM gets (up to %d characters) the welcome DM would be %d, over X's limit of %d for a Direct Message: shorten it to %d characters at most",
				n, footer, n+footer, xtext.DMMaxLength, xtext.DMMaxLength-footer)
		}
	}
	if strings.TrimSpace(c.OptInTweetText) != "" {
		if err := xtext.CheckPost(c.OptInTweetText); err != nil {
			p.add("OPT_IN_TWEET_TEXT %s", err)
		}
	}
}
