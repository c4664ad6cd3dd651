package deploy

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/cfnschema"
)

// Nobody can deploy from here, so the packaged templates are checked against
// CloudFormation's published resource schemas (the npm package
// @aws-cdk/aws-service-spec, pinned in package.json; see tools/cfnschema).

var (
	schemaOnce sync.Once
	schemaSpec *cfnschema.Spec
	schemaErr  error
)

func schema(t *testing.T) *cfnschema.Spec {
	t.Helper()
	schemaOnce.Do(func() {
		// The test runs in deploy/: Locate looks there and above, up to the
		// repository root where npm installs node_modules.
		path, err := cfnschema.Locate(".")
		if err != nil {
			schemaErr = err
			return
		}
		start := time.Now()
		schemaSpec, schemaErr = cfnschema.Load(path)
		t.Logf("loaded %s in %v", path, time.Since(start).Round(time.Millisecond))
	})
	if schemaErr != nil {
		t.Fatalf("the CloudFormation resource schemas: %v", schemaErr)
	}
	return schemaSpec
}

func TestTemplatesMatchTheResourceSchemas(t *testing.T) {
	s := schema(t)
	for _, stage := range []string{"staging", "production"} {
		problems, err := s.Validate(rawTemplate(t, stage))
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", stage, p)
		}
		tpl := load(t, stage)
		types := map[string]bool{}
		for _, r := range tpl.Resources {
			types[r.Type] = true
		}
		t.Logf("%s: %d resources of %d types checked, %d problems", stage, len(tpl.Resources), len(types), len(problems))
	}
}

// Deliberately broken copies of the staging template: each must produce
// exactly the problem expected, so the check above cannot pass by checking
// nothing.
func TestBrokenTemplatesFailTheSchemaCheck(t *testing.T) {
	s := schema(t)
	raw := rawTemplate(t, "staging")
	// Problems of the template itself are TestTemplatesMatchTheResourceSchemas's;
	// here only those that a broken copy adds count.
	own := map[string]bool{}
	problems, err := s.Validate(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		own[p.String()] = true
	}
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, tpl map[string]any)
		want   string
	}{
		{"unknown property", func(t *testing.T, tpl map[string]any) {
			schemaProps(t, tpl, "AlarmTopic")["TopicNmae"] = "x"
		}, `Resources.AlarmTopic.Properties.TopicNmae: unknown property of AWS::SNS::Topic (did you mean TopicName?)`},

		{"misspelt type", func(t *testing.T, tpl map[string]any) {
			schemaRes(t, tpl, "AlarmTopic")["Type"] = "AWS::SNS::Topik"
		}, `Resources.AlarmTopic.Type: unknown resource type "AWS::SNS::Topik" (did you mean AWS::SNS::Topic?)`},

		{"wrong type", func(t *testing.T, tpl map[string]any) {
			schemaObj(t, schemaProps(t, tpl, "HttpApiStage"), "DefaultRouteSettings")["ThrottlingRateLimit"] = "twenty"
		}, `Resources.HttpApiStage.Properties.DefaultRouteSettings.ThrottlingRateLimit: want number, got string "twenty"`},

		{"unknown nested property", func(t *testing.T, tpl map[string]any) {
			routes := schemaObj(t, schemaProps(t, tpl, "HttpApiStage"), "DefaultRouteSettings")
			routes["ThrottlingRateLimt"] = routes["ThrottlingRateLimit"]
			delete(routes, "ThrottlingRateLimit")
		}, `Resources.HttpApiStage.Properties.DefaultRouteSettings.ThrottlingRateLimt: unknown property of RouteSettings (did you mean ThrottlingRateLimit?)`},

		{"fractional integer", func(t *testing.T, tpl map[string]any) {
			schemaProps(t, tpl, "GenerateUnderscoresessionLambdaFunction")["ReservedConcurrentExecutions"] = json.Number("2.5")
		}, `Resources.GenerateUnderscoresessionLambdaFunction.Properties.ReservedConcurrentExecutions: want integer, got 2.5`},

		{"missing required property", func(t *testing.T, tpl map[string]any) {
			delete(schemaProps(t, tpl, "UnknownOutcomesMetricFilter"), "FilterPattern")
		}, `Resources.UnknownOutcomesMetricFilter.Properties.FilterPattern: missing required property of AWS::Logs::MetricFilter`},

		{"GetAtt to a missing attribute", func(t *testing.T, tpl map[string]any) {
			dims := schemaProps(t, tpl, "ActionsDeadLetterAlarm")["Dimensions"].([]any)
			dims[0].(map[string]any)["Value"] = map[string]any{"Fn::GetAtt": []any{"ActionsDeadLetterQueue", "Name"}}
		}, `Resources.ActionsDeadLetterAlarm.Properties.Dimensions[0].Value.Fn::GetAtt: AWS::SQS::Queue ActionsDeadLetterQueue has no attribute "Name" (it has Arn, QueueName, QueueUrl)`},

		{"Ref to a missing resource", func(t *testing.T, tpl map[string]any) {
			schemaProps(t, tpl, "AlarmEmailSubscription")["TopicArn"] = map[string]any{"Ref": "AlarmTopics"}
		}, `Resources.AlarmEmailSubscription.Properties.TopicArn.Ref: "AlarmTopics" is not a resource, parameter or pseudo parameter (did you mean AlarmTopic?)`},

		{"a string where a list is expected", func(t *testing.T, tpl map[string]any) {
			schemaObj(t, schemaProps(t, tpl, "HttpApi"), "CorsConfiguration")["AllowOrigins"] = map[string]any{"Fn::Join": []any{",", []any{"https://a.example"}}}
		}, `Resources.HttpApi.Properties.CorsConfiguration.AllowOrigins: want array of string, got string (Fn::Join)`},

		{"undefined condition", func(t *testing.T, tpl map[string]any) {
			schemaRes(t, tpl, "AlarmEmailSubscription")["Condition"] = "HasAlarmMail"
		}, `Resources.AlarmEmailSubscription.Condition: no condition "HasAlarmMail" in Conditions (did you mean HasAlarmEmail?)`},

		{"DependsOn a missing resource", func(t *testing.T, tpl map[string]any) {
			r := schemaRes(t, tpl, "GenerateUnderscoresessionLambdaFunction")
			r["DependsOn"] = append(r["DependsOn"].([]any), "NoSuchLogGroup")
		}, `Resources.GenerateUnderscoresessionLambdaFunction.DependsOn[2]: no resource "NoSuchLogGroup" in the template`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var tpl map[string]any
			if err := dec.Decode(&tpl); err != nil {
				t.Fatal(err)
			}
			tc.mutate(t, tpl)
			var got []string
			for _, p := range s.Check(tpl) {
				if !own[p.String()] {
					got = append(got, p.String())
				}
			}
			if want := []string{tc.want}; !reflect.DeepEqual(got, want) {
				t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}

func schemaRes(t *testing.T, tpl map[string]any, id string) map[string]any {
	t.Helper()
	return schemaObj(t, schemaObj(t, tpl, "Resources"), id)
}

func schemaProps(t *testing.T, tpl map[string]any, id string) map[string]any {
	t.Helper()
	return schemaObj(t, schemaRes(t, tpl, id), "Properties")
}

// schemaObj returns m[key] as an object; a template that changed shape fails here
// with the key's name rather than with a panic.
func schemaObj(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("the staging template has no object %q here (serverless.yml changed? adapt this test)", key)
	}
	return v
}
