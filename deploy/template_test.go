package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

type template struct {
	Parameters map[string]struct{ Type, Default string } `json:"Parameters"`
	Conditions map[string]any                            `json:"Conditions"`
	Resources  map[string]resource                       `json:"Resources"`
}

type resource struct {
	Type           string         `json:"Type"`
	DeletionPolicy string         `json:"DeletionPolicy"`
	Condition      string         `json:"Condition"`
	Properties     map[string]any `json:"Properties"`
}

var packaging sync.Once

// load reads the template of stage, packaging first when it is missing or
// older than serverless.yml (make test packages before running the Go tests,
// so this is for `go test` alone: without it, an edit of serverless.yml
// would be checked against the template packaged before it).
func load(t *testing.T, stage string) template {
	t.Helper()
	path := filepath.Join("..", ".build", "sls-"+stage, "cloudformation-template-update-stack.json")
	packaging.Do(func() {
		if stale(path, filepath.Join("..", "serverless.yml")) {
			cmd := exec.Command("make", "--no-print-directory", "package-check")
			cmd.Dir = ".."
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("make package-check: %v\n%s", err, out)
			}
		}
	})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tpl template
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// stale reports a packaged file that is missing or older than its source.
func stale(packaged, source string) bool {
	p, err := os.Stat(packaged)
	if err != nil {
		return true
	}
	src, err := os.Stat(source)
	return err != nil || src.ModTime().After(p.ModTime())
}

func (tpl template) ofType(typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range tpl.Resources {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestTablesFollowTheContract(t *testing.T) {
	for _, stage := range []string{"staging", "production"} {
		tpl := load(t, stage)
		tables := tpl.ofType("AWS::DynamoDB::Table")
		want := map[string]struct{ key, typ, ttl, stream string }{
			stage + "_session":   {"request_token", "S", "expires_at", ""},
			stage + "_twitter":   {"uid", "N", "", "NEW_AND_OLD_IMAGES"},
			stage + "_campaigns": {"campaign_id", "S", "", ""},
		}
		seen := 0
		for id, r := range tables {
			name, _ := r.Properties["TableName"].(string)
			w, ok := want[name]
			if !ok {
				t.Errorf("%s: unexpected table %s (%s)", stage, name, id)
				continue
			}
			seen++
			p := js(r.Properties)
			for _, frag := range []string{
				fmt.Sprintf(`"KeySchema":[{"AttributeName":"%s","KeyType":"HASH"}]`, w.key),
				fmt.Sprintf(`{"AttributeName":"%s","AttributeType":"%s"}`, w.key, w.typ),
				`"BillingMode":"PAY_PER_REQUEST"`,
			} {
				if !strings.Contains(p, frag) {
					t.Errorf("%s %s: missing %s in %s", stage, name, frag, p)
				}
			}
			if w.ttl != "" && !strings.Contains(p, fmt.Sprintf(`"TimeToLiveSpecification":{"AttributeName":"%s","Enabled":true}`, w.ttl)) {
				t.Errorf("%s %s: no TTL on %s", stage, name, w.ttl)
			}
			if w.stream != "" && !strings.Contains(p, fmt.Sprintf(`"StreamViewType":"%s"`, w.stream)) {
				t.Errorf("%s %s: no %s stream", stage, name, w.stream)
			}
			pitr := strings.Contains(p, `"PointInTimeRecoveryEnabled":true`)
			if stage == "production" && (r.DeletionPolicy != "Retain" || !pitr) {
				t.Errorf("production %s: DeletionPolicy %q, point-in-time recovery %v: production data must survive", name, r.DeletionPolicy, pitr)
			}
			if stage == "staging" && r.DeletionPolicy == "Retain" {
				t.Errorf("staging %s is retained", name)
			}
		}
		if seen != len(want) {
			t.Errorf("%s: %d of %d tables", stage, seen, len(want))
		}
	}
}

func TestFunctionsRoutesAndTrigger(t *testing.T) {
	tpl := load(t, "staging")
	var routes []string
	for _, r := range tpl.ofType("AWS::ApiGatewayV2::Route") {
		routes = append(routes, r.Properties["RouteKey"].(string))
	}
	sort.Strings(routes)
	for _, want := range []string{"GET /api/twitter-callback", "POST /api/twitter-session", "GET /api/unsubscribe", "POST /api/unsubscribe"} {
		if !slices.Contains(routes, want) {
			t.Errorf("no route %q in %v", want, routes)
		}
	}
	fns := tpl.ofType("AWS::Lambda::Function")
	if len(fns) != 3 {
		t.Fatalf("%d functions, want 3", len(fns))
	}
	for id, f := range fns {
		p := js(f.Properties)
		for _, frag := range []string{`"Runtime":"provided.al2023"`, `"Architectures":["arm64"]`, `"Handler":"bootstrap"`} {
			if !strings.Contains(p, frag) {
				t.Errorf("%s: missing %s", id, frag)
			}
		}
		// The address browsers use: CloudFront's with edge protection (the
		// custom domain when set), else the HTTP API's own.
		if !strings.Contains(p, `"TWITTER_CALLBACK_URL":{"Fn::Join":["",[{"Fn::If":["EdgeProtection",{"Fn::Join":["",["https://",{"Fn::If":["HasEdgeDomain",{"Ref":"EdgeDomainParam"},{"Fn::GetAtt":["EdgeDistribution","DomainName"]}]}]]},{"Fn::GetAtt":["HttpApi","ApiEndpoint"]}]},"/api/twitter-callback"]]}`) {
			t.Errorf("%s: TWITTER_CALLBACK_URL is not derived from the edge's or the HTTP API's URL", id)
		}
		if strings.Contains(p, "sandbox-consumer-secret") || strings.Contains(p, `"TOKEN_ENCRYPTION_KEY":"A`) {
			t.Errorf("%s: a secret value is in the template", id)
		}
		// Deployed functions get the names of their secrets in SSM, never values.
		for _, frag := range []string{
			`"TWITTER_CONSUMER_SECRET_SSM":"/twitter-sessions/staging/twitter-consumer-secret"`,
			`"TOKEN_ENCRYPTION_KEY_SSM":"/twitter-sessions/staging/token-encryption-key"`,
			`"TWITTER_CONSUMER_SECRET":""`, `"TOKEN_ENCRYPTION_KEY":""`,
		} {
			if !strings.Contains(p, frag) {
				t.Errorf("%s: missing %s", id, frag)
			}
		}
	}
	maps := tpl.ofType("AWS::Lambda::EventSourceMapping")
	if len(maps) != 1 {
		t.Fatalf("%d event source mappings, want the users table's stream", len(maps))
	}
	for _, m := range maps {
		p := js(m.Properties)
		for _, frag := range []string{`"FunctionResponseTypes":["ReportBatchItemFailures"]`, `"BisectBatchOnFunctionError":true`, `"MaximumRetryAttempts":5`, `"DestinationConfig":{"OnFailure"`, `"FilterCriteria"`} {
			if !strings.Contains(p, frag) {
				t.Errorf("stream trigger: missing %s in %s", frag, p)
			}
		}
		// Every action of the user item's vocabulary, in state pending: the
		// filter is serverless.yml's own syntax of useritem.Order and
		// useritem.StatePending.
		for _, action := range useritem.Order {
			pattern := `{"` + action.Attr() + `":{"M":{"state":{"S":["` + string(useritem.StatePending) + `"]}}}}`
			pattern = strings.ReplaceAll(pattern, `"`, `\"`) // each filter pattern is a JSON string in the template
			if !strings.Contains(p, pattern) {
				t.Errorf("stream filter does not pass pending %s (no %s in %s)", action, pattern, p)
			}
		}
	}
}

// TestIAMIsLeastPrivilege checks each function's role: only the actions the
// function uses, on its own resources, and no "*" resource anywhere. The
// DynamoDB actions are derived from the code itself and compared both ways by
// TestIAMGrantsMatchTheCode; this test covers the rest (logs, secrets, the
// dead-letter queue) and the wildcards.
func TestIAMIsLeastPrivilege(t *testing.T) {
	want := map[string]map[string]string{ // role -> non-DynamoDB action -> resource it must name
		"GenerateSessionRole": {},
		"TwitterCallbackRole": {},
		"TwitterActionsRole":  {"sqs:SendMessage": "ActionsDeadLetterQueue"},
	}
	common := []string{"logs:CreateLogStream", "logs:PutLogEvents", "ssm:GetParameters", "kms:Decrypt"}
	for _, stage := range []string{"staging", "production"} {
		tpl := load(t, stage)
		roles := tpl.ofType("AWS::IAM::Role")
		if len(roles) != 3 {
			t.Errorf("%s: %d roles, want one per function", stage, len(roles))
		}
		for roleID, r := range roles {
			expect, ok := want[roleID]
			if !ok {
				t.Errorf("%s: unexpected role %s", stage, roleID)
				continue
			}
			granted := map[string][]string{}
			for _, pol := range r.Properties["Policies"].([]any) {
				for _, st := range pol.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					s := st.(map[string]any)
					if s["Effect"] != "Allow" {
						continue
					}
					res := js(s["Resource"])
					if res == `"*"` || strings.Contains(res, `["*"`) || strings.Contains(res, `,"*"`) {
						t.Errorf("%s %s: a statement on every resource: %s", stage, roleID, js(s))
					}
					for _, a := range asList(s["Action"]) {
						if strings.HasSuffix(a, ":*") || a == "*" {
							t.Errorf("%s %s: wildcard action %s", stage, roleID, a)
						}
						granted[a] = append(granted[a], res)
					}
				}
			}
			for action, res := range expect {
				if !strings.Contains(strings.Join(granted[action], " "), res) {
					t.Errorf("%s %s: %s is not granted on %s (granted: %v)", stage, roleID, action, res, granted[action])
				}
			}
			for action := range granted {
				if _, ok := expect[action]; !ok && !slices.Contains(common, action) && !strings.HasPrefix(action, "dynamodb:") {
					t.Errorf("%s %s: grants %s, which the function does not use", stage, roleID, action)
				}
			}
		}
	}
}

func asList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}
