package main

import (
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth1"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"

	"fmt"
	"net/url"
	"strings"

	appconfig "github.com/twitter-sessions/twitter-sessions/shared/config"
)

// The sign-in protocols, as SIGNIN_PROTOCOL names them.
const (
	oauth2 = string(appconfig.ProtocolOAuth2)
	oauth1 = string(appconfig.ProtocolOAuth1)
)

// sandboxAuthorizePath is the X sandbox's OAuth 2.0 consent page, where X's
// is https://x.com/i/oauth2/authorize.
const sandboxAuthorizePath = "/i/oauth2/authorize"

// useProtocol sets SIGNIN_PROTOCOL in the stage's environment to the
// -protocol flag; an empty flag keeps the stage's (serverless.yml's
// signinProtocol, oauth2, unless the env file says otherwise). It returns
// the protocol the functions will run with, read as they read it (unset is
// oauth2, the case does not matter).
func useProtocol(env map[string]string, flag string) (string, error) {
	if flag != "" {
		env["SIGNIN_PROTOCOL"] = flag
	}
	switch p := strings.ToLower(strings.TrimSpace(env["SIGNIN_PROTOCOL"])); p {
	case oauth2, oauth1:
		return p, nil
	case "":
		return oauth2, nil
	default:
		return "", fmt.Errorf("sign-in protocol %q: want -protocol=%s or -protocol=%s", p, oauth2, oauth1)
	}
}

// checkAuthorizeURL catches an OAuth 2.0 consent page that does not go with
// the X the stack talks to: the sandbox's page for the sandbox, X's own for
// real X. Either mistake would only show once a visitor clicks the button.
func checkAuthorizeURL(env map[string]string, u stackURLs, protocol, envFile string) error {
	if protocol != oauth2 {
		return nil
	}
	raw := env["TWITTER_AUTHORIZE_URL"]
	page, err := url.Parse(raw)
	if err != nil || page.Host == "" {
		return fmt.Errorf("TWITTER_AUTHORIZE_URL=%q is not an absolute URL (set it in %s or serverless.yml's local params)", raw, envFile)
	}
	switch {
	case u.sandbox && page.Host != u.x.Host:
		return fmt.Errorf("TWITTER_AUTHORIZE_URL=%s is not the X sandbox's consent page: set TWITTER_AUTHORIZE_URL=%s in %s",
			raw, u.x.JoinPath(sandboxAuthorizePath), envFile)
	case !u.sandbox && isLoopback(page):
		return fmt.Errorf("TWITTER_AUTHORIZE_URL=%s is the X sandbox's consent page but X is %s: set TWITTER_AUTHORIZE_URL=https://x.com/i/oauth2/authorize in %s",
			raw, u.x, envFile)
	}
	return nil
}

// describeProtocol is the banner's account of how visitors sign in: the
// protocol, what a plain visitor's sign-in and the brand's start ask X for,
// and how to switch.
func describeProtocol(c *appconfig.Config) []string {
	brand := signin.Access{Brand: true}
	if c.Protocol == appconfig.ProtocolOAuth1 {
		return []string{
			"oauth1: OAuth 1.0a (DEV_ARGS=-protocol=oauth2 for OAuth 2.0)",
			"visitors x_auth_access_type=" + xoauth1.AccessType(signin.Access{}) + " (write to follow or post); the brand: the app's level",
		}
	}
	return []string{
		"oauth2: OAuth 2.0 with PKCE (DEV_ARGS=-protocol=oauth1 for OAuth 1.0a)",
		"visitors " + strings.Join(xoauth2.Scopes(signin.Access{}), " ") + " (+follows.write, +tweet.write when ticked)",
		"brand    " + strings.Join(xoauth2.Scopes(brand), " "),
	}
}
