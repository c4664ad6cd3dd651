package deploy

import (
	"slices"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/config"
)

// Each role may read exactly the SSM parameters its function reads at its
// cold start (config.Reads), for every combination of the conditions the
// policies depend on: the sign-in protocol and edge protection.
func TestEachRoleReadsOnlyItsFunctionsSecrets(t *testing.T) {
	w := loadWhole(t, "production")
	roles := map[string]string{
		config.GenerateSession: "GenerateSessionRole",
		config.TwitterCallback: "TwitterCallbackRole",
		config.TwitterActions:  "TwitterActionsRole",
	}
	lambdas := map[string]string{
		config.GenerateSession: "GenerateUnderscoresessionLambdaFunction",
		config.TwitterCallback: "TwitterUnderscorecallbackLambdaFunction",
		config.TwitterActions:  "TwitterUnderscoreactionsLambdaFunction",
	}
	const prefix = "/twitter-sessions/production/"
	for _, proto := range []config.Protocol{config.ProtocolOAuth2, config.ProtocolOAuth1} {
		for _, edge := range []bool{false, true} {
			conds := map[string]bool{"SignsInWithOAuth1": proto == config.ProtocolOAuth1, "EdgeProtection": edge}
			for fn, role := range roles {
				var may []string
				for _, pol := range w.Resources[role].Properties["Policies"].([]any) {
					for _, st := range pol.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
						s := st.(map[string]any)
						if !containsAction(s["Action"], "ssm:GetParameters") {
							continue
						}
						for _, r := range eval(s["Resource"], nil, conds).([]any) {
							arn := js(r)
							_, name, ok := strings.Cut(arn, "parameter"+prefix)
							if !ok {
								t.Errorf("%s: may read %s", role, arn)
								continue
							}
							may = append(may, strings.TrimSuffix(name, `"}`))
						}
					}
				}
				env := w.Resources[lambdas[fn]].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
				var reads []string
				for v := range config.Reads(fn, proto, edge) {
					name, _ := env[v+"_SSM"].(string)
					if !strings.HasPrefix(name, prefix) {
						t.Errorf("%s: %s_SSM = %q", fn, v, name)
						continue
					}
					reads = append(reads, strings.TrimPrefix(name, prefix))
				}
				slices.Sort(may)
				slices.Sort(reads)
				if !slices.Equal(may, reads) {
					t.Errorf("%s, edge %v: %s may read %v; %s reads %v", proto, edge, role, may, fn, reads)
				}
				if fn == config.GenerateSession && proto == config.ProtocolOAuth2 && slices.ContainsFunc(may, func(n string) bool { return strings.HasPrefix(n, "twitter-") }) {
					t.Errorf("generate_session under OAuth 2.0 may read an X secret: %v", may)
				}
			}
		}
	}
}
