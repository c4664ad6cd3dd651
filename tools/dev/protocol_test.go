package main

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	appconfig "github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// The local stage as make dev reads it: serverless.yml's local params.
func localEnv(t *testing.T) map[string]string {
	t.Helper()
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	env, err := slsyml.Environment(root, "local")
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestTheProtocolFlagOverridesTheLocalStage(t *testing.T) {
	tests := []struct {
		name    string
		envFile string // SIGNIN_PROTOCOL set by .env.local; "" for none
		flag    string
		want    string // "" when refused
	}{
		{"without the flag, the local stage's default: OAuth 2.0", "", "", "oauth2"},
		{"-protocol=oauth1 signs visitors in with OAuth 1.0a", "", "oauth1", "oauth1"},
		{"-protocol=oauth2 is the default said out loud", "", "oauth2", "oauth2"},
		{"without the flag, .env.local's SIGNIN_PROTOCOL wins over serverless.yml", "oauth1", "", "oauth1"},
		{"the flag wins over .env.local", "oauth1", "oauth2", "oauth2"},
		{"an unknown protocol is refused", "", "oauth3", ""},
		{"capitals are read as the functions read them", "", "OAuth1", "oauth1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := localEnv(t)
			if tc.envFile != "" {
				env["SIGNIN_PROTOCOL"] = tc.envFile
			}
			got, err := useProtocol(env, tc.flag)
			if tc.want == "" {
				if err == nil || !strings.Contains(err.Error(), "-protocol=oauth2") {
					t.Fatalf("err = %v, want a refusal naming the choices", err)
				}
				return
			}
			if err != nil || got != tc.want || !strings.EqualFold(env["SIGNIN_PROTOCOL"], tc.want) {
				t.Fatalf("protocol %q (env %q), err %v; want %q", got, env["SIGNIN_PROTOCOL"], err, tc.want)
			}
		})
	}
}

func TestTheConsentPageGoesWithTheX(t *testing.T) {
	sandbox, _ := url.Parse("http://127.0.0.1:8090")
	realX, _ := url.Parse("https://api.x.com")
	tests := []struct {
		name      string
		x         *url.URL
		authorize string
		protocol  string
		wantErr   string // "" when accepted
	}{
		{"the local stage: the sandbox's page for the sandbox", sandbox, "http://127.0.0.1:8090/i/oauth2/authorize", "oauth2", ""},
		{"real X with X's page", realX, "https://x.com/i/oauth2/authorize", "oauth2", ""},
		{"the sandbox on another port than its page", sandbox, "http://127.0.0.1:9999/i/oauth2/authorize", "oauth2", "TWITTER_AUTHORIZE_URL=http://127.0.0.1:8090/i/oauth2/authorize"},
		{"the sandbox with X's page", sandbox, "https://x.com/i/oauth2/authorize", "oauth2", "not the X sandbox's consent page"},
		{"real X with the sandbox's page", realX, "http://127.0.0.1:8090/i/oauth2/authorize", "oauth2", "TWITTER_AUTHORIZE_URL=https://x.com/i/oauth2/authorize"},
		{"a relative page", sandbox, "/i/oauth2/authorize", "oauth2", "not an absolute URL"},
		{"OAuth 1.0a does not use the page", realX, "http://127.0.0.1:8090/i/oauth2/authorize", "oauth1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := stackURLs{x: tc.x, sandbox: isLoopback(tc.x)}
			err := checkAuthorizeURL(map[string]string{"TWITTER_AUTHORIZE_URL": tc.authorize}, u, tc.protocol, ".env.local")
			if tc.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), ".env.local")) {
				t.Fatalf("err = %v, want it to say %q and where to set it", err, tc.wantErr)
			}
		})
	}
	t.Run("the local stage's own values agree", func(t *testing.T) {
		env := localEnv(t)
		u, err := parseStackURLs(env, ".env.local")
		if err != nil {
			t.Fatal(err)
		}
		if err := checkAuthorizeURL(env, u, oauth2, ".env.local"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTheBannerSaysHowVisitorsSignIn(t *testing.T) {
	site, _ := url.Parse("http://127.0.0.1:8080/")
	callback, _ := url.Parse("http://127.0.0.1:8080/api/twitter-callback")
	x, _ := url.Parse("http://127.0.0.1:8090")
	tests := []struct {
		name string
		cfg  appconfig.Config
		want []string // lines right after the callback's
	}{
		{"OAuth 2.0 with the scopes a visitor and the brand are asked for",
			appconfig.Config{Protocol: appconfig.ProtocolOAuth2},
			[]string{
				"  protocol           oauth2: OAuth 2.0 with PKCE (DEV_ARGS=-protocol=oauth1 for OAuth 1.0a)",
				"                     visitors users.read tweet.read (+follows.write, +tweet.write when ticked)",
				"                     brand    users.read tweet.read dm.read dm.write offline.access",
			}},
		{"OAuth 1.0a with the access types", appconfig.Config{Protocol: appconfig.ProtocolOAuth1},
			[]string{
				"  protocol           oauth1: OAuth 1.0a (DEV_ARGS=-protocol=oauth2 for OAuth 2.0)",
				"                     visitors x_auth_access_type=read (write to follow or post); the brand: the app's level",
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			printBanner(&b, banner{urls: stackURLs{site: site, callback: callback, x: x, sandbox: true}, protocol: describeProtocol(&tc.cfg)})
			lines := strings.Split(b.String(), "\n")
			at := -1
			for i, l := range lines {
				if strings.HasPrefix(l, "  callback ") {
					at = i
				}
			}
			if at < 0 || len(lines) < at+1+len(tc.want) {
				t.Fatalf("no callback line in:\n%s", b.String())
			}
			for i, want := range tc.want {
				if got := lines[at+1+i]; got != want {
					t.Errorf("line %d:\n got %q\nwant %q", i, got, want)
				}
			}
		})
	}
}
