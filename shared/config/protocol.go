package config

import "strings"

// DefaultAuthorizeURL is X's OAuth 2.0 consent page, as X's
// authorization-server metadata names it (TWITTER_AUTHORIZE_URL overrides
// it: the sandbox's page locally).
const DefaultAuthorizeURL = "https://x.com/i/oauth2/authorize"

// protocol reads SIGNIN_PROTOCOL. Unset is oauth2: X is retiring OAuth 1.0a
// and sets new apps up for OAuth 2.0 first.
func (p *problems) protocol(env Env) Protocol {
	switch v := Protocol(strings.ToLower(strings.TrimSpace(env("SIGNIN_PROTOCOL")))); v {
	case ProtocolOAuth2, ProtocolOAuth1:
		return v
	case "":
		return ProtocolOAuth2
	default:
		p.add("SIGNIN_PROTOCOL %q is not one of oauth2, oauth1", v)
		return ""
	}
}

// app reads one X app's id and secret: the consumer key and secret of
// OAuth 1.0a, or the client id and secret of OAuth 2.0. The stage's sign-in
// protocol needs its app (required). The other app is loaded when its id is
// given, so that users holding that kind of credentials keep working after a
// switch; its secret must come with it. Without its id, a secret (a
// parameter left over in SSM) is ignored. A function that does not read the
// secret (Reads) gets neither the other app nor the secret: its id alone is
// what it may use (generate_session under OAuth 2.0).
func (p *problems) app(env Env, required, readsSecret bool, idName, secretName string) (string, Secret) {
	if !readsSecret {
		if required {
			return p.required(env, idName), ""
		}
		return "", ""
	}
	if !required && !given(env, idName) {
		return "", ""
	}
	return p.required(env, idName), Secret(p.required(env, secretName))
}
