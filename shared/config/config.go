package config

import (
	"context"
	"fmt"
	"net/url"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
)

// Protocol is SIGNIN_PROTOCOL: how visitors sign in with X.
type Protocol string

// The sign-in protocols. Users of either kind keep working on a stage
// whatever its protocol: the protocol decides only how new sign-ins happen.
const (
	ProtocolOAuth2 Protocol = "oauth2" // Authorization Code with PKCE, confidential client
	ProtocolOAuth1 Protocol = "oauth1" // the three-legged flow, which X is retiring
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

// MarshalText redacts the keys in JSON and in zerolog fields: a Config
// marshalled whole (by mistake) must not carry them.
func (k Keys) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Config is the whole configuration of every function. All three functions
// share it (serverless.yml gives them the same environment) so that one
// validation covers them all; each function reads only its own secrets
// (LoadFor, Reads), and those it does not read stay empty.
type Config struct {
	Stage          string
	SessionTable   string
	TwitterTable   string
	CampaignsTable string

	Protocol Protocol // SIGNIN_PROTOCOL

	// OAuth 1.0a: the app's API key and secret. Needed to start OAuth 1.0a
	// sign-ins and to act for users who hold OAuth 1.0a tokens.
	ConsumerKey    string
	ConsumerSecret Secret
	// OAuth 2.0: the app's client id and secret (TWITTER_CLIENT_ID,
	// TWITTER_CLIENT_SECRET or _SSM) and the consent page
	// (TWITTER_AUTHORIZE_URL). The scopes are each sign-in's own
	// (xoauth2.Scopes).
	ClientID     string
	ClientSecret Secret
	AuthorizeURL *url.URL
	APIBaseURL   *url.URL // both /oauth/* and /2/* live under it
	CallbackURL  *url.URL // our twitter_callback route, registered with the X app
	SiteURL      *url.URL // where the browser lands after sign-in
	// AllowedOrigins are the pages that may start a sign-in: the origin of
	// SiteURL and every origin of ALLOWED_ORIGINS.
	AllowedOrigins origins.Set

	FollowUID  string            // the brand's X id, decimal digits (never a float)
	FollowMode signin.FollowMode // FOLLOW_MODE

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

	// Edge is the CloudFront + WAF protection in front of the HTTP API and
	// the origin header's secrets (EDGE_PROTECTION, EDGE_SECRET(_SSM),
	// EDGE_OLD_SECRETS(_SSM), EDGE_SECRET_ID).
	Edge Edge

	WelcomeDMText  string
	OptInTweetText string
}

// SecretSource fetches decrypted SecureString parameters by name.
type SecretSource interface {
	GetParameters(ctx context.Context, names []string) (map[string]string, error)
}

// Env is how Load reads a variable: os.Getenv in production, a map in tests.
type Env func(string) string

// KeyParams names the SSM parameters of the token encryption keys.
type KeyParams struct {
	Current string // TOKEN_ENCRYPTION_KEY_SSM
	Old     string // TOKEN_ENCRYPTION_OLD_KEYS_SSM (optional parameter)
}
