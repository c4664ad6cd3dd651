package signinfn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/app/signinfn"
)

// TestTheColdStartLineSaysWhatTheSignInsAskFor: the line an operator
// compares with the X app's settings names what the use case asks for
// (signin.Service.Access), for a plain visitor, the most a visitor's can
// be on the stage, and the brand, under each protocol and follow mode.
func TestTheColdStartLineSaysWhatTheSignInsAskFor(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{"OAuth 2.0, follow by intent, an opt-in post",
			map[string]string{"SIGNIN_PROTOCOL": "oauth2", "FOLLOW_MODE": "intent", "OPT_IN_TWEET_TEXT": "I signed up"},
			map[string]string{"visitor_scopes": "users.read tweet.read", "visitor_scopes_most": "users.read tweet.read tweet.write",
				"brand_scopes": "users.read tweet.read dm.read dm.write offline.access"}},
		{"OAuth 2.0, follow through the API, the default opt-in post",
			map[string]string{"SIGNIN_PROTOCOL": "oauth2", "FOLLOW_MODE": "api"},
			map[string]string{"visitor_scopes": "users.read tweet.read", "visitor_scopes_most": "users.read tweet.read follows.write tweet.write"}},
		{"OAuth 1.0a, follow off, an opt-in post",
			map[string]string{"SIGNIN_PROTOCOL": "oauth1", "FOLLOW_MODE": "off", "OPT_IN_TWEET_TEXT": "I signed up"},
			map[string]string{"visitor_access": "read", "visitor_access_most": "write"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{
				"STAGE": "local", "SESSION_TABLE": "local_session", "TWITTER_TABLE": "local_twitter",
				"TWITTER_CLIENT_ID": "client-id", "TWITTER_CLIENT_SECRET": "client-secret-value",
				"TWITTER_CONSUMER_KEY": "consumer-key", "TWITTER_CONSUMER_SECRET": "consumer-secret-value",
				"TWITTER_CALLBACK_URL": "http://127.0.0.1:8080/api/twitter-callback", "SITE_CALLBACK_URL": "http://127.0.0.1:8080/",
				"FOLLOW_UID": "1900000000000000001", "TOKEN_ENCRYPTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
				"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
			}
			for k, v := range tt.env {
				env[k] = v
			}
			var logs bytes.Buffer
			d, err := boot.Load(context.Background(), func(k string) string { return env[k] }, &logs, "generate_session")
			if err != nil {
				t.Fatal(err)
			}
			signinfn.New(d, boot.GenerateSession)
			var line map[string]any
			for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(l), &m) == nil && strings.HasPrefix(m["message"].(string), "sign-in protocol:") {
					line = m
				}
			}
			if line == nil {
				t.Fatalf("no sign-in protocol line in the logs:\n%s", logs.String())
			}
			for k, v := range tt.want {
				if line[k] != v {
					t.Errorf("%s = %v, want %q", k, line[k], v)
				}
			}
			if strings.Contains(logs.String(), "secret-value") {
				t.Error("a secret reached the log")
			}
		})
	}
}
