package config

import (
	"strconv"
	"strings"
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
