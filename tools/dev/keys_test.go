package main

import (
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestRealXRefusesThePublicDevelopmentKeys(t *testing.T) {
	const (
		ownToken = "8Z+5Vn0XW3XSHzHd0Dw9Q6tN8oLk3m2b1a0ZyXwVuTs="
		ownLink  = "Qk1Dc3RhbmRhcmQtbGluay1zaWduaW5nLWtleS0wMDE="
	)
	sandbox, _ := url.Parse("http://127.0.0.1:8090")
	realX, _ := url.Parse("https://api.x.com")
	tests := []struct {
		name    string
		x       *url.URL
		envFile map[string]string // what .env.local sets
		wantErr string            // "" when accepted
	}{
		{"the sandbox with the development keys", sandbox, nil, ""},
		{"real X with the development keys", realX, nil, "TOKEN_ENCRYPTION_KEY is serverless.yml's public development key"},
		{"real X with an own token key but the development link key", realX,
			map[string]string{"TOKEN_ENCRYPTION_KEY": ownToken}, "LINK_SIGNING_KEY is serverless.yml's public development key"},
		{"real X with the development key in another base64 alphabet", realX,
			map[string]string{"TOKEN_ENCRYPTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "LINK_SIGNING_KEY": ownLink},
			"TOKEN_ENCRYPTION_KEY is serverless.yml's public development key"},
		{"real X with the development key kept as an old key", realX,
			map[string]string{"TOKEN_ENCRYPTION_KEY": ownToken, "LINK_SIGNING_KEY": ownLink, "TOKEN_ENCRYPTION_OLD_KEYS": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
			"TOKEN_ENCRYPTION_OLD_KEYS holds serverless.yml's public development key"},
		{"real X with an emptied key", realX,
			map[string]string{"TOKEN_ENCRYPTION_KEY": "", "LINK_SIGNING_KEY": ownLink}, "TOKEN_ENCRYPTION_KEY is not set"},
		{"real X with keys of one's own", realX,
			map[string]string{"TOKEN_ENCRYPTION_KEY": ownToken, "LINK_SIGNING_KEY": ownLink}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			public := localEnv(t)
			env := localEnv(t)
			for k, v := range tc.envFile {
				env[k] = v
			}
			u := stackURLs{x: tc.x, sandbox: isLoopback(tc.x)}
			err := checkRealXKeys(env, public, u, ".env.local")
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), ".env.local") {
				t.Fatalf("err = %v, want it to say %q and to ask for keys in .env.local", err, tc.wantErr)
			}
			for _, v := range public {
				if len(v) >= 40 && strings.Contains(err.Error(), v) {
					t.Fatalf("the error shows a key: %v", err)
				}
			}
		})
	}
}

// make dev with .env.local pointing at real X and no keys of its own stops
// before anything starts, and starts once .env.local has its own keys.
func TestMakeDevAgainstRealXAsksForKeysInEnvLocal(t *testing.T) {
	dir := t.TempDir()
	realX := "TWITTER_API_BASE_URL=https://api.x.com\nTWITTER_AUTHORIZE_URL=https://x.com/i/oauth2/authorize\n"
	o := options{limits: limits{rate: -1, burst: -1, signinConcurrency: -1}}

	o.envFile = dir + "/public.env"
	if err := os.WriteFile(o.envFile, []byte(realX), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := configure(o); err == nil || !strings.Contains(err.Error(), "public development key") || !strings.Contains(err.Error(), o.envFile) {
		t.Fatalf("configure = %v, want a refusal asking for keys in %s", err, o.envFile)
	}

	o.envFile = dir + "/own.env"
	own := realX + "TOKEN_ENCRYPTION_KEY=8Z+5Vn0XW3XSHzHd0Dw9Q6tN8oLk3m2b1a0ZyXwVuTs=\nLINK_SIGNING_KEY=Qk1Dc3RhbmRhcmQtbGluay1zaWduaW5nLWtleS0wMDE=\n"
	if err := os.WriteFile(o.envFile, []byte(own), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := configure(o); err != nil {
		t.Fatalf("configure with keys of one's own: %v", err)
	}
}
