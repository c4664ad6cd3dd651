package deploy

import (
	"strings"
	"testing"
)

// The functions of a deployed stage and the variables each gets.
var functionIDs = []string{"GenerateUnderscoresessionLambdaFunction", "TwitterUnderscorecallbackLambdaFunction", "TwitterUnderscoreactionsLambdaFunction"}

func (tpl template) environment(t *testing.T, fn string) map[string]any {
	t.Helper()
	env, ok := tpl.Resources[fn].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if !ok {
		t.Fatalf("%s has no environment", fn)
	}
	return env
}

// TestDeployedStagesSignInWithOAuth2ByDefault: a deployed stage signs
// visitors in with OAuth 2.0 unless signinProtocol says otherwise, at X's own
// consent page, with the client secret read from the stage's SSM parameter
// (never a value in the template). The OAuth 1.0a variables stay, for the
// users who signed in with it before a switch.
func TestDeployedStagesSignInWithOAuth2ByDefault(t *testing.T) {
	for _, stage := range []string{"staging", "production"} {
		tpl := load(t, stage)
		want := map[string]string{
			"SIGNIN_PROTOCOL":             "oauth2",
			"TWITTER_AUTHORIZE_URL":       "https://x.com/i/oauth2/authorize",
			"TWITTER_CLIENT_SECRET":       "",
			"TWITTER_CLIENT_SECRET_SSM":   "/twitter-sessions/" + stage + "/twitter-client-secret",
			"TWITTER_CONSUMER_SECRET":     "",
			"TWITTER_CONSUMER_SECRET_SSM": "/twitter-sessions/" + stage + "/twitter-consumer-secret",
		}
		for _, fn := range functionIDs {
			env := tpl.environment(t, fn)
			for k, v := range want {
				if got, ok := env[k]; !ok || got != v {
					t.Errorf("%s %s: %s = %v (set: %v), want %q", stage, fn, k, got, ok, v)
				}
			}
			// Set per stage before its first deploy; present (empty) until then.
			for _, k := range []string{"TWITTER_CLIENT_ID", "TWITTER_CONSUMER_KEY"} {
				if _, ok := env[k].(string); !ok {
					t.Errorf("%s %s: %s is missing: every function gets every variable", stage, fn, k)
				}
			}
			if p := js(tpl.Resources[fn].Properties); strings.Contains(p, "sandbox-client") {
				t.Errorf("%s %s: the local stage's client id or secret is in the template", stage, fn)
			}
		}
	}
}

// TestTheFunctionsMayReadTheClientSecret: the functions that use the OAuth
// 2.0 client secret read it at their cold start (twitter_callback's code
// exchange, twitter_actions' refreshes; generate_session does not use it:
// secrets_test.go). Their roles may read it, and nothing outside the stage's
// prefix.
func TestTheFunctionsMayReadTheClientSecret(t *testing.T) {
	for _, stage := range []string{"staging", "production"} {
		tpl := load(t, stage)
		prefix := "parameter/twitter-sessions/" + stage + "/"
		for _, role := range []string{"TwitterCallbackRole", "TwitterActionsRole"} {
			var readable []string
			for _, pol := range tpl.Resources[role].Properties["Policies"].([]any) {
				for _, st := range pol.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					s := st.(map[string]any)
					if s["Effect"] != "Allow" || !containsAction(s["Action"], "ssm:GetParameters") {
						continue
					}
					for _, r := range s["Resource"].([]any) {
						arn := js(r)
						_, name, ok := strings.Cut(arn, prefix)
						if !ok {
							t.Errorf("%s %s: may read %s, outside the stage's parameters", stage, role, arn)
							continue
						}
						readable = append(readable, strings.TrimSuffix(name, `"}`))
					}
				}
			}
			if !strings.Contains(strings.Join(readable, " "), "twitter-client-secret") {
				t.Errorf("%s %s cannot read the client secret; it may read %v", stage, role, readable)
			}
		}
	}
}

func containsAction(v any, action string) bool {
	for _, a := range asList(v) {
		if a == action {
			return true
		}
	}
	return false
}
