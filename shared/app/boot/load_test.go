package boot_test

import (
	"context"
	"io"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
)

// TestEachFunctionLoadsWithOnlyItsOwnSecrets: a cold start of each function
// builds its dependencies from the variables it reads (config.LoadFor).
// generate_session reads no link-signing key, so it has no unsubscribe links
// and must not need them; the two others sign or verify links.
func TestEachFunctionLoadsWithOnlyItsOwnSecrets(t *testing.T) {
	env := map[string]string{
		"STAGE": "local", "SESSION_TABLE": "local_session", "TWITTER_TABLE": "local_twitter",
		"SIGNIN_PROTOCOL": "oauth2", "TWITTER_CLIENT_ID": "client-id", "TWITTER_CLIENT_SECRET": "client-secret-value",
		"TWITTER_CALLBACK_URL": "http://127.0.0.1:8080/api/twitter-callback", "SITE_CALLBACK_URL": "http://127.0.0.1:8080/",
		"FOLLOW_UID": "1900000000000000001", "TOKEN_ENCRYPTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"LINK_SIGNING_KEY": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
		"AWS_REGION":       "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
	}
	for _, tt := range []struct {
		function string
		links    bool
	}{
		{config.GenerateSession, false},
		{config.TwitterCallback, true},
		{config.TwitterActions, true},
	} {
		t.Run(tt.function, func(t *testing.T) {
			d, err := boot.Load(context.Background(), func(k string) string { return env[k] }, io.Discard, tt.function)
			if err != nil {
				t.Fatal(err)
			}
			if (d.Links != nil) != tt.links {
				t.Fatalf("unsubscribe links built: %v, want %v", d.Links != nil, tt.links)
			}
		})
	}
}
