package config

// The functions, as serverless.yml and boot.Run name them.
const (
	GenerateSession = "generate_session"
	TwitterCallback = "twitter_callback"
	TwitterActions  = "twitter_actions"
)

// Reads says which secrets (by variable, as in secretVars) function reads
// at its cold start on a stage that signs in with proto. Each function
// reads only what it uses, and its IAM role in serverless.yml may read
// only those parameters (deploy/secrets_test.go checks that both agree):
//
//   - generate_session seals the sign-in's session with the current token
//     key (it opens nothing); under OAuth 1.0a it signs the request token
//     call with the consumer secret; under OAuth 2.0 it needs no secret of
//     X (the consent URL carries the client id only).
//   - twitter_callback finishes sign-ins with the stage's protocol (its
//     app's secret), opens sessions and seals tokens (the token keys), and
//     serves the unsubscribe page (the link keys).
//   - twitter_actions acts for users of either kind (both apps' secrets,
//     as far as the stage names them), opens and seals tokens, and signs
//     the unsubscribe links of its DMs.
//
// The two functions behind the HTTP API also read the origin header's
// secrets when edge protection is on (edgeOn). An unknown function (""
// included) reads every secret: tools and tests that load the whole
// configuration.
func Reads(function string, proto Protocol, edgeOn bool) map[string]bool {
	r := map[string]bool{}
	set := func(names ...string) {
		for _, n := range names {
			r[n] = true
		}
	}
	edge := func() {
		if edgeOn {
			set("EDGE_SECRET", "EDGE_OLD_SECRETS")
		}
	}
	switch function {
	case GenerateSession:
		set("TOKEN_ENCRYPTION_KEY")
		if proto == ProtocolOAuth1 {
			set("TWITTER_CONSUMER_SECRET")
		}
		edge()
	case TwitterCallback:
		set("TOKEN_ENCRYPTION_KEY", "TOKEN_ENCRYPTION_OLD_KEYS", "LINK_SIGNING_KEY", "LINK_SIGNING_OLD_KEYS")
		if proto == ProtocolOAuth1 {
			set("TWITTER_CONSUMER_SECRET")
		} else {
			set("TWITTER_CLIENT_SECRET")
		}
		edge()
	case TwitterActions:
		set("TOKEN_ENCRYPTION_KEY", "TOKEN_ENCRYPTION_OLD_KEYS", "LINK_SIGNING_KEY", "LINK_SIGNING_OLD_KEYS",
			"TWITTER_CONSUMER_SECRET", "TWITTER_CLIENT_SECRET")
	default:
		for _, v := range secretVars {
			r[v[0]] = true
		}
		if !edgeOn {
			delete(r, "EDGE_SECRET")
			delete(r, "EDGE_OLD_SECRETS")
		}
	}
	return r
}
