package iamusage

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// A template shaped like the packaged one: functions with an artifact and a
// role, roles with statements, an event source mapping on a table's stream.
type fakeTemplate struct {
	roles    map[string][]map[string]any // role -> statements
	fns      map[string]string           // function -> role
	mappings map[string]string           // function -> table whose stream it reads
}

func getAttJSON(logical, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{logical, attr}}
}

func allow(actions []string, resources ...any) map[string]any {
	var res any = resources
	if len(resources) == 1 {
		res = resources[0]
	}
	acts := make([]any, len(actions))
	for i, a := range actions {
		acts[i] = a
	}
	return map[string]any{"Effect": "Allow", "Action": acts, "Resource": res}
}

func (f fakeTemplate) build(t *testing.T) *Template {
	t.Helper()
	res := map[string]any{}
	for _, tbl := range []string{"SessionTable", "TwitterTable", "CampaignsTable"} {
		res[tbl] = map[string]any{"Type": "AWS::DynamoDB::Table", "Properties": map[string]any{}}
	}
	res["DeadLetterQueue"] = map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{}}
	for role, sts := range f.roles {
		list := make([]any, len(sts))
		for i, s := range sts {
			list[i] = s
		}
		res[role] = map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
			"Policies": []any{map[string]any{"PolicyName": "p", "PolicyDocument": map[string]any{"Statement": list}}},
		}}
	}
	for fn, role := range f.fns {
		res[fn+"Lambda"] = map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{
			"Code": map[string]any{"S3Key": "serverless/svc/stage/123/" + fn + ".zip"},
			"Role": getAttJSON(role, "Arn"),
		}}
	}
	for fn, tbl := range f.mappings {
		res[fn+"Mapping"] = map[string]any{"Type": "AWS::Lambda::EventSourceMapping", "Properties": map[string]any{
			"EventSourceArn": getAttJSON(tbl, "StreamArn"),
			"FunctionName":   getAttJSON(fn+"Lambda", "Arn"),
		}}
	}
	b, err := json.Marshal(map[string]any{"Resources": res})
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := ParseTemplate(b)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

var streamActions = []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}

var testRules = Rules{
	Service:       "dynamodb",
	StreamActions: []string{"DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"},
	TableNames:    map[string]string{"SessionTable": "the session table", "TwitterTable": "the users table", "CampaignsTable": "the campaigns table"},
	TablePackages: map[string]string{"SessionTable": "mod/shared/sessions", "TwitterTable": "mod/shared/users", "CampaignsTable": "mod/shared/campaigns"},
	Trim:          "mod/",
	ConfigFile:    "serverless.yml",
}

func usageOf(fn string, calls map[string][]string, unmapped ...Call) *Usage {
	u := &Usage{Function: fn, Calls: map[string]map[string][]Call{}, Unmapped: unmapped}
	for tbl, ops := range calls {
		u.Calls[tbl] = map[string][]Call{}
		for _, op := range ops {
			u.Calls[tbl][op] = []Call{{Op: op, Table: tbl, Pkg: "mod/shared/x", Caller: "(*mod/shared/x.Store).Do", Pos: "shared/x/x.go:7",
				Path: []string{"mod/functions/" + fn + ".main", "(*mod/shared/x.Store).Do"}}}
		}
	}
	return u
}

// The deployed shape: what the roles grant is what the code uses.
func goodRoles() map[string][]map[string]any {
	return map[string][]map[string]any{
		"GenerateSessionRole": {
			allow([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, map[string]any{"Fn::Sub": "arn:logs"}),
			allow([]string{"dynamodb:PutItem"}, getAttJSON("SessionTable", "Arn")),
			allow([]string{"ssm:GetParameters"}, map[string]any{"Fn::Sub": "arn:ssm"}),
		},
		"TwitterCallbackRole": {
			allow([]string{"dynamodb:DeleteItem"}, getAttJSON("SessionTable", "Arn")),
			allow([]string{"dynamodb:UpdateItem"}, getAttJSON("TwitterTable", "Arn")),
		},
		"TwitterActionsRole": {
			allow([]string{"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Scan"}, getAttJSON("TwitterTable", "Arn")),
			allow([]string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Scan"}, getAttJSON("CampaignsTable", "Arn")),
			allow(streamActions, getAttJSON("TwitterTable", "StreamArn")),
			allow([]string{"sqs:SendMessage"}, getAttJSON("DeadLetterQueue", "Arn")),
		},
	}
}

func goodUsage() map[string]*Usage {
	return map[string]*Usage{
		"generate_session": usageOf("generate_session", map[string][]string{"SessionTable": {"PutItem"}}),
		"twitter_callback": usageOf("twitter_callback", map[string][]string{"SessionTable": {"DeleteItem"}, "TwitterTable": {"UpdateItem"}}),
		"twitter_actions": usageOf("twitter_actions", map[string][]string{
			"TwitterTable": {"GetItem", "Scan", "UpdateItem"}, "CampaignsTable": {"GetItem", "PutItem", "Scan", "UpdateItem"}}),
	}
}

var goodFns = map[string]string{"generate_session": "GenerateSessionRole", "twitter_callback": "TwitterCallbackRole", "twitter_actions": "TwitterActionsRole"}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *fakeTemplate, u map[string]*Usage)
		want   []string // whole messages, or substrings when contains is set
		// contains: each want is a substring of one problem, in order.
		contains bool
	}{
		{name: "exactly what is used", change: func(*fakeTemplate, map[string]*Usage) {}},
		{
			name: "an unused grant (the issue's GetItem)",
			change: func(f *fakeTemplate, _ map[string]*Usage) {
				f.roles["TwitterCallbackRole"] = append(f.roles["TwitterCallbackRole"], allow([]string{"dynamodb:GetItem"}, getAttJSON("TwitterTable", "Arn")))
			},
			want: []string{"TwitterCallbackRole grants dynamodb:GetItem on TwitterTable but no code reachable from functions/twitter_callback calls GetItem on the users table: remove the grant (serverless.yml, TwitterCallbackRole)"},
		},
		{
			name: "a used operation not granted",
			change: func(f *fakeTemplate, _ map[string]*Usage) {
				f.roles["TwitterActionsRole"][0] = allow([]string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, getAttJSON("TwitterTable", "Arn"))
			},
			want: []string{"functions/twitter_actions calls Scan on the users table (shared/x/x.go:7 in (*shared/x.Store).Do; reached by functions/twitter_actions.main -> (*shared/x.Store).Do) but TwitterActionsRole does not grant dynamodb:Scan on TwitterTable: add it to TwitterActionsRole in serverless.yml (Resource: Fn::GetAtt [TwitterTable, Arn]), or remove the call"},
		},
		{
			name: "the right action on the wrong table",
			change: func(f *fakeTemplate, _ map[string]*Usage) {
				f.roles["GenerateSessionRole"][1] = allow([]string{"dynamodb:PutItem"}, getAttJSON("TwitterTable", "Arn"))
			},
			want: []string{
				"GenerateSessionRole grants dynamodb:PutItem on TwitterTable but no code reachable from functions/generate_session calls PutItem on the users table",
				"functions/generate_session calls PutItem on the session table",
			},
			contains: true,
		},
		{
			name: "a grant in a list of resources counts for each",
			change: func(f *fakeTemplate, _ map[string]*Usage) {
				f.roles["TwitterCallbackRole"][0] = allow([]string{"dynamodb:DeleteItem"}, getAttJSON("SessionTable", "Arn"), getAttJSON("CampaignsTable", "Arn"))
			},
			want:     []string{"TwitterCallbackRole grants dynamodb:DeleteItem on CampaignsTable but no code reachable from functions/twitter_callback calls DeleteItem on the campaigns table"},
			contains: true,
		},
		{
			name: "stream reads without an event source mapping",
			change: func(f *fakeTemplate, _ map[string]*Usage) {
				f.roles["TwitterCallbackRole"] = append(f.roles["TwitterCallbackRole"], allow(streamActions[1:2], getAttJSON("TwitterTable", "StreamArn")))
			},
			want: []string{"TwitterCallbackRole grants dynamodb:GetRecords on TwitterTable.StreamArn but no event source mapping of the template reads that stream for functions/twitter_callback: remove the grant (serverless.yml, TwitterCallbackRole)"},
		},
		{
			name: "an event source mapping without the stream reads",
			change: func(f *fakeTemplate, _ map[string]*Usage) {
				f.roles["TwitterActionsRole"][2] = allow(streamActions[:3], getAttJSON("TwitterTable", "StreamArn"))
			},
			want: []string{"the event source mapping twitter_actionsMapping reads the stream TwitterTable.StreamArn for functions/twitter_actions but TwitterActionsRole does not grant dynamodb:ListStreams on it: add it to TwitterActionsRole in serverless.yml (Resource: Fn::GetAtt [TwitterTable, StreamArn])"},
		},
		{
			name: "stream reads granted on the table instead of its stream",
			change: func(f *fakeTemplate, _ map[string]*Usage) {
				f.roles["TwitterActionsRole"][2] = allow(streamActions, getAttJSON("TwitterTable", "StreamArn"), getAttJSON("TwitterTable", "Arn"))
			},
			want: []string{
				"TwitterActionsRole grants dynamodb:DescribeStream on TwitterTable but no code",
				"TwitterActionsRole grants dynamodb:GetRecords on TwitterTable but no code",
				"TwitterActionsRole grants dynamodb:GetShardIterator on TwitterTable but no code",
				"TwitterActionsRole grants dynamodb:ListStreams on TwitterTable but no code",
			},
			contains: true,
		},
		{
			name: "a call from a package with no table",
			change: func(_ *fakeTemplate, u map[string]*Usage) {
				u["twitter_callback"].Unmapped = []Call{{Op: "GetItem", Pkg: "mod/shared/app", Caller: "mod/shared/app.peek", Pos: "shared/app/peek.go:3"}}
			},
			want:     []string{"functions/twitter_callback calls GetItem from package shared/app (shared/app/peek.go:3 in shared/app.peek), which is mapped to no table (shared/campaigns -> CampaignsTable, shared/sessions -> SessionTable, shared/users -> TwitterTable): move the call into the store package of its table, or map shared/app to its table"},
			contains: true,
		},
		{
			name: "a wildcard action",
			change: func(f *fakeTemplate, _ map[string]*Usage) {
				f.roles["TwitterCallbackRole"] = append(f.roles["TwitterCallbackRole"], allow([]string{"dynamodb:*"}, getAttJSON("TwitterTable", "Arn")))
			},
			want:     []string{"TwitterCallbackRole grants dynamodb:* on [TwitterTable]: a wildcard action"},
			contains: true,
		},
		{
			name: "a resource that is no table",
			change: func(f *fakeTemplate, _ map[string]*Usage) {
				f.roles["TwitterCallbackRole"] = append(f.roles["TwitterCallbackRole"], allow([]string{"dynamodb:Query"}, "arn:aws:dynamodb:*:*:table/x/index/*"))
			},
			want:     []string{`TwitterCallbackRole grants dynamodb:Query on "arn:aws:dynamodb:*:*:table/x/index/*", which cannot be attributed to a table`},
			contains: true,
		},
		{
			name: "a function whose code was not analyzed",
			change: func(_ *fakeTemplate, u map[string]*Usage) {
				delete(u, "generate_session")
			},
			want:     []string{"the template deploys generate_session (generate_sessionLambda, role GenerateSessionRole) but no main package functions/generate_session was analyzed"},
			contains: true,
		},
		{
			name: "a role shared by two functions needs the union",
			change: func(f *fakeTemplate, u map[string]*Usage) {
				f.fns["twitter_callback"] = "TwitterActionsRole"
				delete(f.roles, "TwitterCallbackRole")
				f.roles["TwitterActionsRole"] = append(f.roles["TwitterActionsRole"], allow([]string{"dynamodb:DeleteItem"}, getAttJSON("SessionTable", "Arn")))
			},
		},
		{
			name: "non-DynamoDB statements are left alone",
			change: func(f *fakeTemplate, _ map[string]*Usage) {
				f.roles["GenerateSessionRole"] = append(f.roles["GenerateSessionRole"], allow([]string{"sqs:SendMessage", "kms:Decrypt"}, "*"))
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fakeTemplate{roles: goodRoles(), fns: map[string]string{}, mappings: map[string]string{"twitter_actions": "TwitterTable"}}
			for k, v := range goodFns {
				f.fns[k] = v
			}
			u := goodUsage()
			tc.change(&f, u)
			got := Check(f.build(t), u, testRules)
			if !tc.contains {
				if len(got) == 0 && len(tc.want) == 0 {
					return
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
				}
				return
			}
			if len(got) != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
				return
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d:\n%s\nwant it to contain:\n%s", i, got[i], w)
				}
			}
		})
	}
}

// Check on the stand-in module's real analysis: a role with an extra grant
// and a missing one, and the unmapped call of main two.
func TestCheckOnAnalysis(t *testing.T) {
	us := fixture(t)
	f := fakeTemplate{
		roles: map[string][]map[string]any{
			"OneRole": {
				allow([]string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}, getAttJSON("SessionTable", "Arn")),
				allow([]string{"dynamodb:Scan"}, getAttJSON("TwitterTable", "Arn")),
			},
			"TwoRole": {allow([]string{"dynamodb:GetItem"}, getAttJSON("SessionTable", "Arn"))},
		},
		fns: map[string]string{"one": "OneRole", "two": "TwoRole"},
	}
	rules := testRules
	rules.Trim = "example.com/app/"
	rules.TablePackages = map[string]string{"SessionTable": "example.com/app/store/a", "TwitterTable": "example.com/app/store/b"}
	// The fixture names its tables TableA and TableB: rename them to the
	// fake template's, in copies.
	renamed := map[string]*Usage{}
	for name, u := range us {
		c := *u
		c.Calls = map[string]map[string][]Call{}
		for tbl, ops := range u.Calls {
			c.Calls[map[string]string{"TableA": "SessionTable", "TableB": "TwitterTable"}[tbl]] = ops
		}
		renamed[name] = &c
	}
	got := Check(f.build(t), renamed, rules)
	want := []string{
		"OneRole grants dynamodb:DeleteItem on SessionTable but no code reachable from functions/one calls DeleteItem on the session table",
		"functions/one calls UpdateItem on the users table (store/b/b.go:25 in (*store/b.Store).Touch",
		"functions/two calls PutItem from package rogue (rogue/rogue.go:7 in rogue.Write)",
	}
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("problem %d:\n%s\nwant it to contain:\n%s", i, got[i], w)
		}
	}
}
