package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/tools/iamusage"
)

const module = "github.com/twitter-sessions/twitter-sessions"

// Which table each store package's DynamoDB calls go to. A call of the
// DynamoDB client from any other package fails TestIAMGrantsMatchTheCode:
// move it into its table's store, or add its package here.
var tablePackages = map[string]string{
	module + "/shared/sessionstore":  "SessionTable",
	module + "/shared/userstore":     "TwitterTable", // what the sign-in writes
	module + "/shared/actionstore":   "TwitterTable", // what the actions and campaigns read and write
	module + "/shared/campaignstore": "CampaignsTable",
}

var iamRules = iamusage.Rules{
	Service: "dynamodb",
	// What the event source mapping of a stream event reads the stream
	// with (the function's role), whatever the code does.
	StreamActions: []string{"DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"},
	TableNames: map[string]string{
		"SessionTable":   "the session table",
		"TwitterTable":   "the users table",
		"CampaignsTable": "the campaigns table",
	},
	Trim:       module + "/",
	ConfigFile: "serverless.yml",
}

// Operations that the SDK calls by itself from within the dynamodb package,
// on no table: endpoint discovery's DescribeEndpoints (not used by DynamoDB
// operations in the SDK's default "auto" mode, and granted on no table).
var sdkInternal = []string{"DescribeEndpoints"}

var (
	usageOnce sync.Once
	usage     map[string]*iamusage.Usage
	usageErr  error
)

// codeUsage analyzes the three mains once, as `make build` builds them
// (linux/arm64, -tags lambda.norpc).
func codeUsage(t *testing.T) map[string]*iamusage.Usage {
	t.Helper()
	usageOnce.Do(func() {
		usage, usageErr = iamusage.AnalyzeUninstrumented(iamusage.Config{
			Dir:        "..",
			Patterns:   []string{"./functions/..."},
			Env:        []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"},
			BuildFlags: []string{"-tags", "lambda.norpc"},
			ClientPkg:  "github.com/aws/aws-sdk-go-v2/service/dynamodb",
			Tables:     tablePackages,
		})
	})
	if usageErr != nil {
		t.Fatal(usageErr)
	}
	return usage
}

// packagesOf lists the packages of each table, sorted.
func packagesOf(m map[string]string) map[string][]string {
	out := map[string][]string{}
	for pkg, tbl := range m {
		out[tbl] = append(out[tbl], pkg)
	}
	for _, pkgs := range out {
		slices.Sort(pkgs)
	}
	return out
}

func rules() iamusage.Rules {
	r := iamRules
	r.TablePackages = map[string]string{}
	// For the messages only: the packages of each table ("a and b").
	for tbl, pkgs := range packagesOf(tablePackages) {
		r.TablePackages[tbl] = strings.Join(pkgs, " and ")
	}
	return r
}

// rawTemplate reads the packaged template of stage (packaging first when it
// is missing, as load does).
func rawTemplate(t *testing.T, stage string) []byte {
	t.Helper()
	load(t, stage)
	b, err := os.ReadFile(filepath.Join("..", ".build", "sls-"+stage, "cloudformation-template-update-stack.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIAMGrantsMatchTheCode checks that each function's role grants exactly
// the DynamoDB actions that the code reachable from its main calls, on the
// table each call goes to, plus the stream reads of its stream event: an
// unused grant fails, and so does a call that the role does not allow.
// (Other services' actions: TestIAMIsLeastPrivilege.)
func TestIAMGrantsMatchTheCode(t *testing.T) {
	us := codeUsage(t)
	for _, name := range []string{"generate_session", "twitter_actions", "twitter_callback"} {
		u := us[name]
		if u == nil {
			t.Errorf("functions/%s: no main package analyzed (got %d)", name, len(us))
			continue
		}
		for _, tbl := range u.Tables() {
			t.Logf("functions/%s uses %s: %s", name, tbl, strings.Join(u.Ops(tbl), " "))
		}
		for _, c := range u.Internal {
			if !slices.Contains(sdkInternal, c.Op) {
				t.Errorf("functions/%s: the DynamoDB SDK calls %s by itself (%s in %s): decide whether the role needs it and on what, then list it in sdkInternal or teach tools/iamusage where it goes", name, c.Op, c.Pos, c.Caller)
			}
		}
	}
	for _, stage := range []string{"staging", "production"} {
		tpl, err := iamusage.ParseTemplate(rawTemplate(t, stage))
		if err != nil {
			t.Fatal(err)
		}
		fns, _ := tpl.Functions()
		if len(fns) != 3 {
			t.Errorf("%s: %d functions in the template, want 3", stage, len(fns))
		}
		for _, p := range iamusage.Check(tpl, us, rules()) {
			t.Errorf("%s: %s", stage, p)
		}
	}
}

// TestIAMGrantsCheckCatchesWrongGrants makes the packaged staging template
// wrong in memory, in the ways the check is for, and expects one message
// for each.
func TestIAMGrantsCheckCatchesWrongGrants(t *testing.T) {
	us := codeUsage(t)
	var raw map[string]any
	if err := json.Unmarshal(rawTemplate(t, "staging"), &raw); err != nil {
		t.Fatal(err)
	}
	statements := func(role string) []any {
		r := raw["Resources"].(map[string]any)[role].(map[string]any)
		pol := r["Properties"].(map[string]any)["Policies"].([]any)[0].(map[string]any)
		return pol["PolicyDocument"].(map[string]any)["Statement"].([]any)
	}
	setStatements := func(role string, sts []any) {
		r := raw["Resources"].(map[string]any)[role].(map[string]any)
		pol := r["Properties"].(map[string]any)["Policies"].([]any)[0].(map[string]any)
		pol["PolicyDocument"].(map[string]any)["Statement"] = sts
	}
	// 1. The callback gets back the GetItem of the issue.
	setStatements("TwitterCallbackRole", append(statements("TwitterCallbackRole"), map[string]any{
		"Effect": "Allow", "Action": "dynamodb:GetItem",
		"Resource": map[string]any{"Fn::GetAtt": []any{"TwitterTable", "Arn"}},
	}))
	// 2. The actions role loses Scan on the users table and ListStreams on
	// its stream.
	for _, st := range statements("TwitterActionsRole") {
		s := st.(map[string]any)
		res, _ := json.Marshal(s["Resource"])
		var kept []any
		for _, a := range asList(s["Action"]) {
			if (string(res) == `{"Fn::GetAtt":["TwitterTable","Arn"]}` && a == "dynamodb:Scan") ||
				(string(res) == `{"Fn::GetAtt":["TwitterTable","StreamArn"]}` && a == "dynamodb:ListStreams") {
				continue
			}
			kept = append(kept, a)
		}
		s["Action"] = kept
	}
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := iamusage.ParseTemplate(b)
	if err != nil {
		t.Fatal(err)
	}
	got := iamusage.Check(tpl, us, rules())
	for _, p := range got {
		t.Log(p)
	}
	want := []string{
		"TwitterCallbackRole grants dynamodb:GetItem on TwitterTable but no code reachable from functions/twitter_callback calls GetItem on the users table: remove the grant",
		"functions/twitter_actions calls Scan on the users table (shared/actionstore/",
		"the event source mapping TwitterUnderscoreactionsEventSourceMappingDynamodbTwitterTable reads the stream TwitterTable.StreamArn for functions/twitter_actions but TwitterActionsRole does not grant dynamodb:ListStreams on it",
	}
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d", len(got), len(want))
	}
	slices.Sort(want) // Check sorts its messages
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("problem %d:\n%s\nwant it to contain:\n%s", i, got[i], w)
		}
	}
}
