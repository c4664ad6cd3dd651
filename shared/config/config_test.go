package config

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
)

const devKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func validEnv() map[string]string {
	return map[string]string{
		"STAGE":                   "local",
		"SESSION_TABLE":           "local_session",
		"TWITTER_TABLE":           "local_twitter",
		"TWITTER_CONSUMER_KEY":    "ck",
		"TWITTER_CONSUMER_SECRET": "consumer-secret-value",
		"TWITTER_CLIENT_ID":       "client-id",
		"TWITTER_CLIENT_SECRET":   "client-secret-value",
		"TWITTER_CALLBACK_URL":    "http://127.0.0.1:8080/api/twitter-callback",
		"SITE_CALLBACK_URL":       "http://127.0.0.1:8080/",
		"FOLLOW_UID":              "1900000000000000001",
		"TOKEN_ENCRYPTION_KEY":    devKey,
		"LINK_SIGNING_KEY":        "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
	}
}

func env(m map[string]string) Env { return func(k string) string { return m[k] } }

type fakeSSM struct {
	values map[string]string
	err    error
	calls  int
}

func (f *fakeSSM) GetParameters(_ context.Context, names []string) (map[string]string, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	out := map[string]string{}
	for _, n := range names {
		if v, ok := f.values[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

func TestLoad(t *testing.T) {
	t.Run("a complete local environment loads with defaults filled in", func(t *testing.T) {
		c, err := Load(context.Background(), env(validEnv()), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.APIBaseURL.String() != "https://api.x.com" || c.FollowMode != signin.FollowIntent || len(c.EncryptionKeys) != 1 ||
			c.Protocol != ProtocolOAuth2 || c.AuthorizeURL.String() != "https://x.com/i/oauth2/authorize" {
			t.Fatalf("defaults: %+v", c)
		}
		if c.FollowUID != "1900000000000000001" {
			t.Fatalf("FOLLOW_UID = %q, want the exact digits", c.FollowUID)
		}
	})

	t.Run("every problem is named in one error and no secret is repeated", func(t *testing.T) {
		m := validEnv()
		delete(m, "STAGE")
		delete(m, "TWITTER_CLIENT_ID")
		m["FOLLOW_MODE"] = "sometimes"
		m["FOLLOW_UID"] = "12.5e3"
		m["SITE_CALLBACK_URL"] = "/relative"
		m["TOKEN_ENCRYPTION_KEY"] = "c2hvcnQ=" // "short"
		m["LOG_LEVEL"] = "chatty"
		_, err := Load(context.Background(), env(m), nil)
		if err == nil {
			t.Fatal("no error")
		}
		for _, want := range []string{"STAGE is missing", "TWITTER_CLIENT_ID is missing", "FOLLOW_MODE", "FOLLOW_UID", "SITE_CALLBACK_URL", "TOKEN_ENCRYPTION_KEY", "LOG_LEVEL"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not name %s: %v", want, err)
			}
		}
		if strings.Contains(err.Error(), "c2hvcnQ") || strings.Contains(err.Error(), "consumer-secret-value") || strings.Contains(err.Error(), "client-secret-value") {
			t.Fatalf("error leaks a secret: %v", err)
		}
	})

	t.Run("secrets named in SSM are fetched in one call", func(t *testing.T) {
		m := validEnv()
		delete(m, "TWITTER_CONSUMER_SECRET")
		delete(m, "TOKEN_ENCRYPTION_KEY")
		m["TWITTER_CONSUMER_SECRET_SSM"] = "/tws/staging/secret"
		m["TOKEN_ENCRYPTION_KEY_SSM"] = "/tws/staging/key"
		m["TOKEN_ENCRYPTION_OLD_KEYS_SSM"] = "/tws/staging/old"
		src := &fakeSSM{values: map[string]string{"/tws/staging/secret": "from-ssm", "/tws/staging/key": devKey}}
		c, err := Load(context.Background(), env(m), src)
		if err != nil {
			t.Fatal(err)
		}
		if src.calls != 1 || c.ConsumerSecret.Reveal() != "from-ssm" || len(c.EncryptionKeys) != 1 {
			t.Fatalf("calls=%d config=%+v", src.calls, c)
		}
	})

	t.Run("a missing SSM parameter or an unreachable SSM stops the start", func(t *testing.T) {
		m := validEnv()
		delete(m, "TWITTER_CONSUMER_SECRET")
		m["TWITTER_CONSUMER_SECRET_SSM"] = "/tws/staging/secret"
		if _, err := Load(context.Background(), env(m), &fakeSSM{}); err == nil || !strings.Contains(err.Error(), "/tws/staging/secret") {
			t.Fatalf("missing parameter: %v", err)
		}
		if _, err := Load(context.Background(), env(m), &fakeSSM{err: errors.New("no route")}); err == nil {
			t.Fatal("an SSM failure was ignored")
		}
	})

	t.Run("old keys for rotation are parsed after the current one", func(t *testing.T) {
		m := validEnv()
		m["TOKEN_ENCRYPTION_OLD_KEYS"] = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=, "
		c, err := Load(context.Background(), env(m), nil)
		if err != nil || len(c.EncryptionKeys) != 2 || c.EncryptionKeys[1][0] != 1 {
			t.Fatalf("keys: %v %v", c, err)
		}
	})

	t.Run("neither the consumer or client secret nor the keys ever print", func(t *testing.T) {
		c, _ := Load(context.Background(), env(validEnv()), nil)
		out := sprint(c) + sprint(*c) + c.ConsumerSecret.String() + c.ClientSecret.String()
		if strings.Contains(out, "consumer-secret-value") || strings.Contains(out, "client-secret-value") {
			t.Fatalf("secret printed: %s", out)
		}
		// The dev key is bytes 0..31; printed as bytes it would show "[0 1 2 3".
		if strings.Contains(out, "0 1 2 3") || strings.Contains(out, "0x0, 0x1, 0x2") {
			t.Fatalf("key printed: %s", out)
		}
		// Marshalled whole (JSON, a zerolog field), neither the keys nor the
		// link key show, in base64 or any other form.
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range append(append(Keys{}, c.EncryptionKeys...), c.LinkKey...) {
			if strings.Contains(string(js), base64.StdEncoding.EncodeToString(k)) {
				t.Fatalf("a key in the JSON of the config: %s", js)
			}
		}
		if strings.Contains(string(js), "consumer-secret-value") || strings.Contains(string(js), "client-secret-value") || !strings.Contains(string(js), "keys redacted") {
			t.Fatalf("JSON of the config: %s", js)
		}
	})
}

// X refuses a Direct Message over 10,000 characters and a post over 280
// weighted characters: texts it would refuse at every send stop the start,
// with their lengths (the welcome DM counted with its unsubscribe line).
func TestTextsXWouldRefuseStopTheStart(t *testing.T) {
	const callback = "https://api.brand.example/api/twitter-callback"
	footer := len("\n\nStop these messages: https://api.brand.example/api/unsubscribe?sig=") + 22 + len("&uid=18446744073709551615")
	tests := []struct {
		name    string
		welcome string
		post    string
		wantErr string // "" when it loads
	}{
		{"texts within the limits", strings.Repeat("w", 10000-footer), strings.Repeat("p", 280), ""},
		{"a welcome DM that fits only without the unsubscribe line", strings.Repeat("w", 10000-footer+1), "ok",
			"WELCOME_DM_TEXT is " + itoa(10000-footer+1) + " characters"},
		{"a welcome DM of 10,000 characters", strings.Repeat("w", 10000), "ok", "over X's limit of 10000 for a Direct Message"},
		{"a post of 281 characters", "ok", strings.Repeat("p", 281), "OPT_IN_TWEET_TEXT weighs 281"},
		{"a post of 141 CJK characters weighs 282", "ok", strings.Repeat("登", 141), "OPT_IN_TWEET_TEXT weighs 282"},
		{"a post with a long link counts it as 23", "ok", strings.Repeat("p", 256) + " https://brand.example.com/" + strings.Repeat("x", 200), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := validEnv()
			m["TWITTER_CALLBACK_URL"] = callback
			m["WELCOME_DM_TEXT"], m["OPT_IN_TWEET_TEXT"] = tc.welcome, tc.post
			_, err := Load(context.Background(), env(m), nil)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to say %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), strings.Repeat("w", 50)) || strings.Contains(err.Error(), strings.Repeat("p", 50)) {
				t.Fatal("the error quotes the text")
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
