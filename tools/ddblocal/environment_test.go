package ddblocal

import (
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

func TestEnvironmentOfTheLocalStageIsComplete(t *testing.T) {
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	env, err := slsyml.Environment(root, "local")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"STAGE":                "local",
		"SESSION_TABLE":        "local_session",
		"TWITTER_TABLE":        "local_twitter",
		"TWITTER_API_BASE_URL": "http://127.0.0.1:8090",
		"TWITTER_CALLBACK_URL": "http://127.0.0.1:8080/api/twitter-callback",
		"FOLLOW_UID":           "1900000000000000001",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if env["TOKEN_ENCRYPTION_KEY"] == "" || env["TWITTER_CONSUMER_SECRET"] == "" {
		t.Error("the local stage gives no dev secrets")
	}
}

// On deployed stages the callback URL is derived from the HTTP API's URL (an
// Fn::Join only CloudFormation resolves), so the local reader must refuse it
// and say which variable, rather than hand the dev server a wrong value.
func TestDeployedStagesHaveADerivedCallbackURL(t *testing.T) {
	root, _ := slsyml.RepoRoot()
	for _, stage := range []string{"staging", "production"} {
		_, err := slsyml.Environment(root, stage)
		if err == nil || !strings.Contains(err.Error(), "TWITTER_CALLBACK_URL") {
			t.Errorf("%s: err = %v, want the derived TWITTER_CALLBACK_URL named", stage, err)
		}
	}
}
