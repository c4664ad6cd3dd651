package config

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
)

// Edge is the protection in front of the HTTP API (serverless.yml's
// edgeProtection param): CloudFront with an AWS WAF web ACL. CloudFront
// adds a secret header to every request it sends on; with edge protection
// on, the functions behind the API refuse a request without it (403), so
// that nobody reaches the API around the edge's per-client limits.
type Edge struct {
	On bool // EDGE_PROTECTION
	// Secrets are the header values accepted: EDGE_SECRET (the one
	// CloudFront sends) first, then EDGE_OLD_SECRETS (comma-separated, the
	// ones CloudFront may still send while a rotation spreads to its edges).
	Secrets []Secret
	// SSM names the parameters the secrets came from (deployed stages;
	// empty when given directly), so that a warm function can read them
	// again after make rotate-edge-secret (EdgeReload).
	SSM [2]string // EDGE_SECRET_SSM, EDGE_OLD_SECRETS_SSM
	// SecretID is EDGE_SECRET_ID: the id of the current secret as the
	// deploy saw it (make deploy passes it so that a deploy after a rotation
	// changes the functions' configuration and recycles them). Not secret.
	SecretID string
}

// MinEdgeSecretLen is the shortest origin header secret accepted (make
// secrets creates 44 characters: base64 of 32 random bytes).
const MinEdgeSecretLen = 32

func (p *problems) edge(env Env, reads map[string]bool) Edge {
	var e Edge
	raw := strings.TrimSpace(env("EDGE_PROTECTION"))
	if raw == "" {
		return e
	}
	on, err := strconv.ParseBool(raw)
	if err != nil {
		p.add("EDGE_PROTECTION %q is not true or false", raw)
		return e
	}
	e.On = on
	e.SecretID = strings.TrimSpace(env("EDGE_SECRET_ID"))
	if !on || !reads["EDGE_SECRET"] {
		return e
	}
	if _, fromSSM := p.secretsEnv["EDGE_SECRET"]; fromSSM {
		e.SSM = [2]string{strings.TrimSpace(env("EDGE_SECRET_SSM")), ""}
		if _, oldFromSSM := p.secretsEnv["EDGE_OLD_SECRETS"]; oldFromSSM {
			e.SSM[1] = strings.TrimSpace(env("EDGE_OLD_SECRETS_SSM"))
		}
	}
	cur := p.required(env, "EDGE_SECRET")
	if cur != "" && len(cur) < MinEdgeSecretLen {
		p.add("EDGE_SECRET is shorter than %d characters (make secrets creates one)", MinEdgeSecretLen)
	}
	if cur != "" {
		e.Secrets = append(e.Secrets, Secret(cur))
	}
	for _, s := range strings.Split(env("EDGE_OLD_SECRETS"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			e.Secrets = append(e.Secrets, Secret(s))
		}
	}
	return e
}

// EdgeReload returns how a warm function re-reads the origin header's
// secrets from SSM (one GetParameters call), or nil when they did not come
// from SSM. After make rotate-edge-secret, CloudFront sends the new secret
// from the next deploy on, which may reach the edges before every warm
// function is replaced: such a function reads the secrets again when a
// request carries a header it does not know (web.EdgeGuard, at most once a
// minute).
func EdgeReload(c *Config, src SecretSource) func(context.Context) ([]string, error) {
	cur, old := c.Edge.SSM[0], c.Edge.SSM[1]
	if !c.Edge.On || cur == "" || src == nil {
		return nil
	}
	return func(ctx context.Context) ([]string, error) {
		names := []string{cur}
		if old != "" {
			names = append(names, old)
		}
		values, err := src.GetParameters(ctx, names)
		if err != nil {
			return nil, fmt.Errorf("config: reading %s from SSM Parameter Store: %w", strings.Join(names, ", "), err)
		}
		v, ok := values[cur]
		if !ok || len(strings.TrimSpace(v)) < MinEdgeSecretLen {
			return nil, fmt.Errorf("config: SSM parameter %s (for EDGE_SECRET) is missing or too short", cur)
		}
		out := []string{strings.TrimSpace(v)}
		for _, s := range strings.Split(values[old], ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
}

// edgeOrigins checks, with edge protection on, that ALLOWED_ORIGINS is what
// the edge's Origin rule is built from (serverless.yml turns the raw text,
// split at each comma, into exact regexes): every origin in its serialized
// form (lower case, no default port, no path, no space around the commas),
// and the site's own origin among them. The functions would allow a
// start the edge blocks otherwise, and the site's visitors would get 403.
func (p *problems) edgeOrigins(env Env, site *url.URL) {
	raw := env("ALLOWED_ORIGINS")
	listed := map[string]bool{}
	for _, o := range strings.Split(raw, ",") {
		u, err := url.Parse(o)
		switch {
		case o == "" || err != nil || u.Host == "":
			p.add("ALLOWED_ORIGINS %q: with EDGE_PROTECTION, a comma-separated list of origins without spaces (the edge's Origin rule matches each exactly)", raw)
			return
		case origins.Of(u) != o:
			p.add("ALLOWED_ORIGINS: %q must be written %q with EDGE_PROTECTION (the edge's Origin rule matches the text exactly)", o, origins.Of(u))
		}
		listed[o] = true
	}
	if site != nil && !listed[origins.Of(site)] {
		p.add("ALLOWED_ORIGINS must list the site's own origin %q with EDGE_PROTECTION: the edge's Origin rule allows only what it lists", origins.Of(site))
	}
}
