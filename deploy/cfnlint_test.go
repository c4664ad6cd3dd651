package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Nobody can deploy from here, so the packaged templates are checked by
// cfn-lint, AWS's CloudFormation linter, against the resource schemas it
// ships (types, required properties, patterns, lengths, ranges, references,
// conditions). It runs at the repository root, where .cfnlintrc says which
// checks are ignored and why.

// lintFinding is one finding of cfn-lint's JSON output.
type lintFinding struct {
	Filename string
	Level    string
	Message  string
	Rule     struct{ Id string }
	Location struct{ Path []any }
}

func (f lintFinding) String() string {
	return fmt.Sprintf("%s %s %s at %v", f.Level, f.Rule.Id, f.Message, f.Location.Path)
}

// cfnLint runs cfn-lint on templates (paths relative to the repository root)
// and returns its findings by file. Without cfn-lint the test is skipped,
// except in CI, where a missing linter must fail.
func cfnLint(t *testing.T, templates ...string) map[string][]lintFinding {
	t.Helper()
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		const how = "cfn-lint not found: pip install cfn-lint (make test tries that when pip is there)"
		if os.Getenv("CI") != "" {
			t.Fatal(how + "; CI must have it")
		}
		t.Skip(how)
	}
	cmd := exec.Command(bin, append([]string{"--format", "json", "--"}, templates...)...)
	cmd.Dir = ".."
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var findings []lintFinding
	if err := json.Unmarshal(stdout.Bytes(), &findings); err != nil {
		// cfn-lint exits non-zero when it finds something; only output that is
		// not its JSON report means it did not run.
		t.Fatalf("cfn-lint %s: %v (%v)\nstdout: %s\nstderr: %s", strings.Join(templates, " "), err, runErr, stdout.Bytes(), stderr.Bytes())
	}
	out := map[string][]lintFinding{}
	for _, f := range findings {
		file := filepath.Clean(f.Filename)
		if !slices.Contains(templates, file) {
			// A finding the callers would not look up must not go unseen.
			t.Errorf("cfn-lint reported on %s, which it was not given: %s", f.Filename, f)
		}
		out[file] = append(out[file], f)
	}
	return out
}

func templatePath(stage string) string {
	return filepath.Join(".build", "sls-"+stage, "cloudformation-template-update-stack.json")
}

// TestTemplatesPassCfnLint: both packaged templates, no error and no warning
// that .cfnlintrc does not ignore.
func TestTemplatesPassCfnLint(t *testing.T) {
	stages := []string{"staging", "production"}
	var paths []string
	for _, stage := range stages {
		load(t, stage) // packages when serverless.yml changed
		paths = append(paths, templatePath(stage))
	}
	found := cfnLint(t, paths...)
	for _, p := range paths {
		for _, f := range found[p] {
			t.Errorf("%s: %s", p, f)
		}
		t.Logf("%s: %d findings", p, len(found[p]))
	}
}

// Deliberately broken copies of the staging template: each must fail cfn-lint
// with the error expected, and the unbroken copy beside them must pass, so
// that the check above cannot pass by checking nothing (or by linting with a
// configuration that ignores everything).
func TestBrokenTemplatesFailCfnLint(t *testing.T) {
	raw := rawTemplate(t, "staging")
	cases := []struct {
		name   string
		mutate func(t *testing.T, tpl map[string]any)
		rule   string // the error cfn-lint must report
	}{
		{"unbroken", func(*testing.T, map[string]any) {}, ""},

		{"wrong property type", func(t *testing.T, tpl map[string]any) {
			lintObj(t, lintProps(t, tpl, "HttpApiStage"), "DefaultRouteSettings")["ThrottlingRateLimit"] = "twenty"
		}, "E3012"},

		{"value out of range", func(t *testing.T, tpl map[string]any) {
			lintProps(t, tpl, "ActionsDeadLetterQueue")["MessageRetentionPeriod"] = json.Number("30") // SQS keeps 60 s to 14 days
		}, "E3034"},

		{"value not in the allowed set", func(t *testing.T, tpl map[string]any) {
			lintProps(t, tpl, "GenerateUnderscoresessionLogGroup")["RetentionInDays"] = json.Number("13")
		}, "E3030"},

		{"value not matching the pattern", func(t *testing.T, tpl map[string]any) {
			lintProps(t, tpl, "GenerateUnderscoresessionLogGroup")["LogGroupName"] = "/aws/lambda/generate session!"
		}, "E3031"},

		{"value too long", func(t *testing.T, tpl map[string]any) {
			lintProps(t, tpl, "GenerateUnderscoresessionLambdaFunction")["Description"] = strings.Repeat("d", 257)
		}, "E3033"},

		{"unknown property", func(t *testing.T, tpl map[string]any) {
			lintProps(t, tpl, "AlarmTopic")["TopicNmae"] = "x"
		}, "E3002"},

		{"misspelt type", func(t *testing.T, tpl map[string]any) {
			lintRes(t, tpl, "AlarmTopic")["Type"] = "AWS::SNS::Topik"
		}, "E3006"},

		{"missing required property", func(t *testing.T, tpl map[string]any) {
			delete(lintProps(t, tpl, "UnknownOutcomesMetricFilter"), "FilterPattern")
		}, "E3003"},

		{"GetAtt to a missing attribute", func(t *testing.T, tpl map[string]any) {
			dims := lintProps(t, tpl, "ActionsDeadLetterAlarm")["Dimensions"].([]any)
			dims[0].(map[string]any)["Value"] = map[string]any{"Fn::GetAtt": []any{"ActionsDeadLetterQueue", "Name"}}
		}, "E1010"},

		{"Ref to a missing resource", func(t *testing.T, tpl map[string]any) {
			lintProps(t, tpl, "AlarmEmailSubscription")["TopicArn"] = map[string]any{"Ref": "AlarmTopics"}
		}, "E1020"},

		{"undefined condition", func(t *testing.T, tpl map[string]any) {
			lintRes(t, tpl, "AlarmEmailSubscription")["Condition"] = "HasAlarmMail"
		}, "E3015"},

		{"DependsOn a missing resource", func(t *testing.T, tpl map[string]any) {
			r := lintRes(t, tpl, "GenerateUnderscoresessionLambdaFunction")
			r["DependsOn"] = append(r["DependsOn"].([]any), "NoSuchLogGroup")
		}, "E3005"},

		{"the dashboard names a table the stack lacks", func(t *testing.T, tpl map[string]any) {
			body := lintObj(t, lintProps(t, tpl, "Dashboard"), "DashboardBody")
			body["Fn::Sub"] = strings.Replace(body["Fn::Sub"].(string), "${SessionTable}", "${SessionTabel}", 1)
		}, "E1019"},

		{"a query without its query string", func(t *testing.T, tpl map[string]any) {
			delete(lintProps(t, tpl, "LastFailuresQuery"), "QueryString")
		}, "E3003"},

		{"a query in an unknown language", func(t *testing.T, tpl map[string]any) {
			lintProps(t, tpl, "SignUpsByUTMQuery")["QueryLanguage"] = "KQL"
		}, "E3030"},

		{"alarm e-mail that is no address", func(t *testing.T, tpl map[string]any) {
			lintObj(t, lintObj(t, tpl, "Parameters"), "AlarmEmail")["Default"] = "ops at example.com"
		}, "E2015"},
	}
	dir := t.TempDir()
	var paths []string
	for i, tc := range cases {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var tpl map[string]any
		if err := dec.Decode(&tpl); err != nil {
			t.Fatal(err)
		}
		tc.mutate(t, tpl)
		b, err := json.MarshalIndent(tpl, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("%02d.json", i))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	found := cfnLint(t, paths...) // one run: cfn-lint's start-up is most of its time
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := found[paths[i]]
			if tc.rule == "" {
				for _, f := range got {
					t.Errorf("the unbroken copy: %s", f)
				}
				return
			}
			if !slices.ContainsFunc(got, func(f lintFinding) bool { return f.Rule.Id == tc.rule && f.Level == "Error" }) {
				t.Errorf("no error %s; cfn-lint said %v", tc.rule, got)
			}
		})
	}
}

func lintRes(t *testing.T, tpl map[string]any, id string) map[string]any {
	t.Helper()
	return lintObj(t, lintObj(t, tpl, "Resources"), id)
}

func lintProps(t *testing.T, tpl map[string]any, id string) map[string]any {
	t.Helper()
	return lintObj(t, lintRes(t, tpl, id), "Properties")
}

// lintObj returns m[key] as an object; a template that changed shape fails
// here with the key's name rather than with a panic.
func lintObj(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("the staging template has no object %q here (serverless.yml changed? adapt this test)", key)
	}
	return v
}
