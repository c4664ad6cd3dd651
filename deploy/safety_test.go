package deploy

import (
	"strings"
	"testing"
)

// TestThePublicAPIIsThrottled: every route of the HTTP API stage has a token
// bucket (beyond it API Gateway answers 429 without running a function), and
// generate_session has reserved concurrency, so that a flood of anonymous
// sign-in starts can neither run unbounded X request_token calls nor take the
// concurrency the callback and the stream need.
func TestThePublicAPIIsThrottled(t *testing.T) {
	for _, stage := range []string{"staging", "production"} {
		tpl := load(t, stage)
		stages := tpl.ofType("AWS::ApiGatewayV2::Stage")
		if len(stages) != 1 {
			t.Fatalf("%s: %d HTTP API stages", stage, len(stages))
		}
		for id, st := range stages {
			s, _ := st.Properties["DefaultRouteSettings"].(map[string]any)
			rate, _ := s["ThrottlingRateLimit"].(float64)
			burst, _ := s["ThrottlingBurstLimit"].(float64)
			if rate <= 0 || burst < rate {
				t.Errorf("%s: %s DefaultRouteSettings %v: want a rate limit and a burst at least as large", stage, id, js(s))
			}
		}
		fn := tpl.Resources["GenerateUnderscoresessionLambdaFunction"]
		reserved, _ := fn.Properties["ReservedConcurrentExecutions"].(float64)
		if reserved <= 0 {
			t.Errorf("%s: generate_session has no reserved concurrency: %v", stage, fn.Properties["ReservedConcurrentExecutions"])
		}
		// The API's 429 must come before Lambda's throttle (a 500 for the
		// visitor): a full burst, and the rate over a slow 3 s start, fit.
		for _, st := range stages {
			s, _ := st.Properties["DefaultRouteSettings"].(map[string]any)
			rate, _ := s["ThrottlingRateLimit"].(float64)
			burst, _ := s["ThrottlingBurstLimit"].(float64)
			if reserved < burst || reserved < 3*rate {
				t.Errorf("%s: reserved concurrency %v is below the burst %v or 3 s of the rate %v: Lambda would throttle before the API", stage, reserved, burst, rate)
			}
		}
		for _, id := range []string{"TwitterUnderscorecallbackLambdaFunction", "TwitterUnderscoreactionsLambdaFunction"} {
			if _, ok := tpl.Resources[id].Properties["ReservedConcurrentExecutions"]; ok {
				t.Errorf("%s: %s has reserved concurrency: it would cap the callback or the stream", stage, id)
			}
		}
	}
}

// TestCORSAllowsTheConfiguredOrigins: the allowed page origins (the
// allowedOrigins param, split into the list CloudFormation wants) with
// credentials, so a single-page frontend on another origin of the site can
// read the JSON answer and keep the binding cookie.
func TestCORSAllowsTheConfiguredOrigins(t *testing.T) {
	tpl := load(t, "production")
	api := tpl.Resources["HttpApi"].Properties["CorsConfiguration"].(map[string]any)
	if got := js(api["AllowOrigins"]); got != `{"Fn::Split":[",","https://www.example.com"]}` {
		t.Errorf("AllowOrigins %s", got)
	}
	if api["AllowCredentials"] != true {
		t.Error("CORS without credentials: the binding cookie would not be set by a JSON-mode start")
	}
	env := tpl.Resources["GenerateUnderscoresessionLambdaFunction"].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if env["ALLOWED_ORIGINS"] != "https://www.example.com" {
		t.Errorf("ALLOWED_ORIGINS = %v, want the site origin by default", env["ALLOWED_ORIGINS"])
	}
}

// TestAlarmsNotifyTheTopic: the dead-letter queue, every function's errors
// and the public functions' throttles each have an alarm whose action is the
// stack's SNS topic; an address is subscribed only when alarmEmail is set.
// The edge's two alarms (requests the web ACL blocked, 429s of the API's
// throttle) fire above a threshold of their own (a launch blocks a few).
func TestAlarmsNotifyTheTopic(t *testing.T) {
	for _, stage := range []string{"staging", "production"} {
		tpl := load(t, stage)
		topics := tpl.ofType("AWS::SNS::Topic")
		if len(topics) != 1 {
			t.Fatalf("%s: %d SNS topics, want the alarm topic", stage, len(topics))
		}
		var topicID string
		for id := range topics {
			topicID = id
		}
		type want struct{ namespace, metric, dimension string }
		wants := map[want]bool{
			{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "ActionsDeadLetterQueue"}: false,
			{"AWS/Lambda", "Errors", "GenerateUnderscoresessionLambdaFunction"}:         false,
			{"AWS/Lambda", "Errors", "TwitterUnderscorecallbackLambdaFunction"}:         false,
			{"AWS/Lambda", "Errors", "TwitterUnderscoreactionsLambdaFunction"}:          false,
			{"AWS/Lambda", "Throttles", "GenerateUnderscoresessionLambdaFunction"}:      false,
			{"AWS/Lambda", "Throttles", "TwitterUnderscorecallbackLambdaFunction"}:      false,
			{"twitter-sessions/" + stage, "UnknownOutcomes", ""}:                        false,
			{"AWS/WAFV2", "BlockedRequests", ""}:                                        false,
			{"twitter-sessions/" + stage, "ApiThrottled", ""}:                           false,
		}
		thresholds := map[string]bool{"EdgeBlockedRequestsAlarm": true, "ApiThrottledAlarm": true}
		for id, a := range tpl.ofType("AWS::CloudWatch::Alarm") {
			p := a.Properties
			actions := js(p["AlarmActions"])
			if actions != `[{"Ref":"`+topicID+`"}]` {
				t.Errorf("%s: alarm %s notifies %s, want the topic %s", stage, id, actions, topicID)
			}
			if thresholds[id] {
				if th, _ := p["Threshold"].(float64); th <= 0 || p["ComparisonOperator"] != "GreaterThanThreshold" || p["Period"] != 300.0 {
					t.Errorf("%s: alarm %s has no threshold above 0 in 5 minutes: %s", stage, id, js(p))
				}
			} else if p["Threshold"] != 0.0 || p["ComparisonOperator"] != "GreaterThanThreshold" || p["Period"] != 300.0 {
				t.Errorf("%s: alarm %s does not fire on the first occurrence in 5 minutes: %s", stage, id, js(p))
			}
			dim := ""
			if ds, _ := p["Dimensions"].([]any); len(ds) == 1 {
				v := js(ds[0].(map[string]any)["Value"])
				for _, ref := range []string{"ActionsDeadLetterQueue", "GenerateUnderscoresessionLambdaFunction", "TwitterUnderscorecallbackLambdaFunction", "TwitterUnderscoreactionsLambdaFunction"} {
					if strings.Contains(v, `"`+ref+`"`) {
						dim = ref
					}
				}
			}
			w := want{p["Namespace"].(string), p["MetricName"].(string), dim}
			if _, ok := wants[w]; !ok {
				t.Errorf("%s: unexpected alarm %s %+v", stage, id, w)
			}
			wants[w] = true
		}
		for w, seen := range wants {
			if !seen {
				t.Errorf("%s: no alarm on %+v", stage, w)
			}
		}
		// The unknown-outcome metric is counted from twitter_actions' log lines.
		filters := tpl.ofType("AWS::Logs::MetricFilter")
		f, ok := filters["UnknownOutcomesMetricFilter"]
		if !ok || f.Properties["FilterPattern"] != `{ $.state = "unknown" }` || !strings.Contains(js(f.Properties["LogGroupName"]), "TwitterUnderscoreactionsLogGroup") {
			t.Errorf("%s: unknown-outcome metric filter %s", stage, js(f.Properties))
		}
		// No address configured: the subscription exists only under the
		// condition that alarmEmail is set. alarmEmail is the default of the
		// stack's AlarmEmail parameter, which the condition reads (a condition
		// on two literals is decided before CloudFormation runs: cfn-lint W8003).
		if sub, ok := tpl.Resources["AlarmEmailSubscription"]; !ok || sub.Condition != "HasAlarmEmail" || js(sub.Properties["Endpoint"]) != `{"Ref":"AlarmEmail"}` {
			t.Errorf("%s: the e-mail subscription is missing or not conditional on alarmEmail: %s", stage, js(sub))
		}
		if p := tpl.Parameters["AlarmEmail"]; p.Type != "String" || p.Default != "" {
			t.Errorf("%s: parameter AlarmEmail %+v, want a String whose default is alarmEmail (empty)", stage, p)
		}
		if c := js(tpl.Conditions["HasAlarmEmail"]); c != `{"Fn::Not":[{"Fn::Equals":[{"Ref":"AlarmEmail"},""]}]}` {
			t.Errorf("%s: HasAlarmEmail is %s, want: AlarmEmail is not empty", stage, c)
		}
	}
}

// TestTheSweepIsScheduled: twitter_actions is invoked every 15 minutes with
// the sweep event, enabled by default, on every deployed stage.
func TestTheSweepIsScheduled(t *testing.T) {
	for _, stage := range []string{"staging", "production"} {
		tpl := load(t, stage)
		found := false
		for id, r := range tpl.ofType("AWS::Events::Rule") {
			targets := js(r.Properties["Targets"])
			if !strings.Contains(targets, `{\"sweep\":{}}`) {
				continue
			}
			found = true
			if r.Properties["ScheduleExpression"] != "rate(15 minutes)" || r.Properties["State"] != "ENABLED" || !strings.Contains(targets, "TwitterUnderscoreactionsLambdaFunction") {
				t.Errorf("%s: sweep rule %s: %s", stage, id, js(r.Properties))
			}
		}
		if !found {
			t.Errorf("%s: no schedule sends {\"sweep\":{}} to twitter_actions", stage)
		}
	}
}

// TestLinkKeyIsItsOwnSecret: deployed functions read the unsubscribe link
// key (and its verify-only old keys) from SSM, under names distinct from the
// token encryption key's; the roles of the functions that sign or check
// links may read them (generate_session does neither: secrets_test.go).
func TestLinkKeyIsItsOwnSecret(t *testing.T) {
	tpl := load(t, "production")
	for _, id := range []string{"GenerateUnderscoresessionLambdaFunction", "TwitterUnderscorecallbackLambdaFunction", "TwitterUnderscoreactionsLambdaFunction"} {
		env := tpl.Resources[id].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
		if env["LINK_SIGNING_KEY"] != "" || env["LINK_SIGNING_KEY_SSM"] != "/twitter-sessions/production/link-signing-key" ||
			env["LINK_SIGNING_OLD_KEYS_SSM"] != "/twitter-sessions/production/link-signing-old-keys" {
			t.Errorf("%s: link key variables %v %v %v", id, env["LINK_SIGNING_KEY"], env["LINK_SIGNING_KEY_SSM"], env["LINK_SIGNING_OLD_KEYS_SSM"])
		}
	}
	for _, role := range []string{"TwitterCallbackRole", "TwitterActionsRole"} {
		p := js(tpl.Resources[role].Properties["Policies"])
		for _, name := range []string{"/link-signing-key", "/link-signing-old-keys", "/token-encryption-key", "/twitter-consumer-secret"} {
			if !strings.Contains(p, "parameter/twitter-sessions/production"+name) {
				t.Errorf("%s cannot read %s", role, name)
			}
		}
	}
}
