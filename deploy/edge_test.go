package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/web"
)

// whole is a packaged template with everything the edge's tests read.
type whole struct {
	Parameters map[string]struct {
		Default any `json:"Default"`
	} `json:"Parameters"`
	Resources map[string]resource `json:"Resources"`
}

func loadWhole(t *testing.T, stage string) whole {
	t.Helper()
	load(t, stage) // packages when stale
	b, err := os.ReadFile(filepath.Join("..", ".build", "sls-"+stage, "cloudformation-template-update-stack.json"))
	if err != nil {
		t.Fatal(err)
	}
	var w whole
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// eval resolves the intrinsic functions the edge uses on strings
// (Fn::Join, Fn::Split, Fn::Select of constants; Ref of a parameter, its
// default; Fn::If on the conditions given), leaving anything else as is.
func eval(v any, params map[string]any, conds map[string]bool) any {
	switch x := v.(type) {
	case []any:
		out := []any{}
		for _, e := range x {
			r := eval(e, params, conds)
			if m, ok := r.(map[string]any); ok && m["Ref"] == "AWS::NoValue" {
				continue
			}
			out = append(out, r)
		}
		return out
	case map[string]any:
		if len(x) != 1 {
			out := map[string]any{}
			for k, e := range x {
				out[k] = eval(e, params, conds)
			}
			return out
		}
		for k, arg := range x {
			switch k {
			case "Ref":
				if d, ok := params[arg.(string)]; ok {
					return d
				}
			case "Fn::If":
				a := arg.([]any)
				if c, ok := conds[a[0].(string)]; ok {
					if c {
						return eval(a[1], params, conds)
					}
					return eval(a[2], params, conds)
				}
			case "Fn::Join":
				a := arg.([]any)
				parts := eval(a[1], params, conds).([]any)
				ss := []string{}
				for _, p := range parts {
					s, ok := p.(string)
					if !ok {
						return x
					}
					ss = append(ss, s)
				}
				return strings.Join(ss, a[0].(string))
			case "Fn::Split":
				a := arg.([]any)
				s, ok := eval(a[1], params, conds).(string)
				if !ok {
					return x
				}
				out := []any{}
				for _, p := range strings.Split(s, a[0].(string)) {
					out = append(out, p)
				}
				return out
			}
			return map[string]any{k: eval(arg, params, conds)}
		}
	}
	return v
}

func (w whole) params() map[string]any {
	p := map[string]any{}
	for k, v := range w.Parameters {
		p[k] = v.Default
	}
	return p
}

func TestEdgeProtectionIsOnForProductionOnly(t *testing.T) {
	for stage, want := range map[string]string{"production": "true", "staging": "false"} {
		w := loadWhole(t, stage)
		if got := w.Parameters["EdgeProtectionParam"].Default; got != want {
			t.Errorf("%s: edge protection %v, want %s", stage, got, want)
		}
		for _, id := range []string{"GenerateUnderscoresessionLambdaFunction", "TwitterUnderscorecallbackLambdaFunction"} {
			env := w.Resources[id].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
			if env["EDGE_PROTECTION"] != want || env["EDGE_SECRET"] != "" || env["EDGE_SECRET_SSM"] != "/twitter-sessions/"+stage+"/edge-secret" {
				t.Errorf("%s %s: EDGE_PROTECTION %v, EDGE_SECRET_SSM %v (and never a value)", stage, id, env["EDGE_PROTECTION"], env["EDGE_SECRET_SSM"])
			}
		}
	}
}

// The web ACL: a CLOUDFRONT one (us-east-1), created by the stack unless
// edgeWebAclArn names one, with the Origin rule and the two per-IP rate
// rules, and the sizing rules between them and the API's throttle.
func TestTheWebACLLimitsEachClientAndRefusesOtherSites(t *testing.T) {
	w := loadWhole(t, "production")
	acl, ok := w.Resources["EdgeWebAcl"]
	if !ok || acl.Type != "AWS::WAFv2::WebACL" || acl.Condition != "CreateEdgeWebAcl" || acl.Properties["Scope"] != "CLOUDFRONT" {
		t.Fatalf("web ACL %s", js(acl))
	}
	if js(acl.Properties["DefaultAction"]) != `{"Allow":{}}` {
		t.Errorf("default action %s", js(acl.Properties["DefaultAction"]))
	}
	rules := map[string]map[string]any{}
	for _, r := range acl.Properties["Rules"].([]any) {
		m := r.(map[string]any)
		rules[m["Name"].(string)] = m
	}
	origin := rules["signin-foreign-origin"]
	st := js(origin["Statement"])
	if js(origin["Action"]) != `{"Block":{}}` || !strings.Contains(st, `"SearchString":"/api/twitter-session"`) ||
		!strings.Contains(st, `"NotStatement":{"Statement":{"RegexPatternSetReferenceStatement":{"Arn":{"Fn::GetAtt":["EdgeSigninOrigins","Arn"]},"FieldToMatch":{"SingleHeader":{"Name":"origin"}}`) ||
		!strings.Contains(st, `"SizeConstraintStatement":{"ComparisonOperator":"GT","FieldToMatch":{"SingleHeader":{"Name":"origin"}}`) {
		t.Errorf("the Origin rule: %s %s", js(origin["Action"]), st)
	}
	rate := func(name, path string) float64 {
		r := rules[name]
		s := r["Statement"].(map[string]any)["RateBasedStatement"].(map[string]any)
		if s["AggregateKeyType"] != "IP" || !strings.Contains(js(s["ScopeDownStatement"]), `"SearchString":"`+path+`"`) ||
			!strings.Contains(js(r["Action"]), `"ResponseCode":429`) {
			t.Errorf("%s: %s %s", name, js(s), js(r["Action"]))
		}
		return s["Limit"].(float64)
	}
	signin := rate("signin-rate-per-ip", "/api/twitter-session")
	callback := rate("callback-rate-per-ip", "/api/twitter-callback")
	rate("callback-rate-per-ip", "/api/unsubscribe")
	if callback < signin || signin < 10 {
		t.Errorf("per-IP limits: sign-in %v, callback %v (the callback's is the looser; WAF's least is 10)", signin, callback)
	}
	// One address never drains a route's bucket: its per-window allowance
	// stays within the route's burst.
	stage := w.Resources["HttpApiStage"].Properties
	def := stage["DefaultRouteSettings"].(map[string]any)
	if signin > def["ThrottlingBurstLimit"].(float64) {
		t.Errorf("one address may start %v sign-ins, over the start's burst %v", signin, def["ThrottlingBurstLimit"])
	}
	for key, s := range stage["RouteSettings"].(map[string]any) {
		if b := s.(map[string]any)["ThrottlingBurstLimit"].(float64); callback > b {
			t.Errorf("one address may send %v to %s, over its burst %v", callback, key, b)
		}
	}

	// The allowed origins as the web ACL matches them: exactly, dots too.
	set := w.Resources["EdgeSigninOrigins"]
	if set.Properties["Scope"] != "CLOUDFRONT" {
		t.Errorf("regex set scope %v", set.Properties["Scope"])
	}
	for _, tc := range []struct {
		allowed string
		match   []string
		refuse  []string
	}{
		{"https://www.example.com", []string{"https://www.example.com"}, []string{"https://wwwxexample.com", "https://www.example.com.evil.example", "https://evil.example/?https://www.example.com", "http://www.example.com"}},
		{"https://a.brand.com,https://b.brand.com:8443", []string{"https://a.brand.com", "https://b.brand.com:8443"}, []string{"https://b.brand.com", "https://a.brand.com:8443", "https://c.brand.com"}},
	} {
		expr := js(set.Properties["RegularExpressionList"])
		expr = strings.ReplaceAll(expr, `"https://www.example.com"`, js(tc.allowed)) // the param's value as packaged
		var raw any
		_ = json.Unmarshal([]byte(expr), &raw)
		list, ok := eval(raw, nil, nil).([]any)
		if !ok {
			t.Fatalf("regex list does not evaluate: %s", expr)
		}
		matches := func(o string) bool {
			for _, re := range list {
				if regexp.MustCompile(re.(string)).MatchString(o) {
					return true
				}
			}
			return false
		}
		for _, o := range tc.match {
			if !matches(o) {
				t.Errorf("allowed %s: %s is blocked (%v)", tc.allowed, o, list)
			}
		}
		for _, o := range tc.refuse {
			if matches(o) {
				t.Errorf("allowed %s: %s passes (%v)", tc.allowed, o, list)
			}
		}
	}
}

// The distribution: associated with the web ACL, in front of the HTTP API,
// adding the origin header the functions check, forwarding what a sign-in
// needs and caching nothing.
func TestTheDistributionFrontsTheAPIWithTheOriginHeader(t *testing.T) {
	w := loadWhole(t, "production")
	d, ok := w.Resources["EdgeDistribution"]
	if !ok || d.Type != "AWS::CloudFront::Distribution" || d.Condition != "EdgeProtection" {
		t.Fatalf("distribution %s", js(d))
	}
	cfg := d.Properties["DistributionConfig"].(map[string]any)
	if js(cfg["WebACLId"]) != `{"Fn::If":["HasEdgeWebAclArn",{"Ref":"EdgeWebAclArnParam"},{"Fn::GetAtt":["EdgeWebAcl","Arn"]}]}` {
		t.Errorf("web ACL association %s", js(cfg["WebACLId"]))
	}
	origins := cfg["Origins"].([]any)
	if len(origins) != 1 {
		t.Fatalf("origins %s", js(origins))
	}
	o := origins[0].(map[string]any)
	if !strings.Contains(js(o["DomainName"]), `{"Fn::GetAtt":["HttpApi","ApiEndpoint"]}`) ||
		o["CustomOriginConfig"].(map[string]any)["OriginProtocolPolicy"] != "https-only" {
		t.Errorf("origin %s", js(o))
	}
	headers := js(o["OriginCustomHeaders"])
	if headers != `[{"HeaderName":"`+web.EdgeSecretHeader+`","HeaderValue":"{{resolve:ssm:/twitter-sessions/production/edge-secret}}"}]` {
		t.Errorf("origin header %s, want %s from SSM", headers, web.EdgeSecretHeader)
	}
	b := cfg["DefaultCacheBehavior"].(map[string]any)
	if b["CachePolicyId"] != "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" || b["OriginRequestPolicyId"] != "b689b0a8-53d0-40ab-baf2-68738e2966ac" ||
		!strings.Contains(js(b["AllowedMethods"]), "POST") || b["ViewerProtocolPolicy"] != "https-only" {
		t.Errorf("cache behavior %s", js(b))
	}
	// A rotation reaches CloudFront: the deploy's secret id is in the
	// distribution's configuration.
	if !strings.Contains(js(cfg["Comment"]), "origin header secret") {
		t.Errorf("comment %v", cfg["Comment"])
	}
}

// The HTTP API's throttle is the backstop, sized from the model: the
// callback and the unsubscribe page never below the start, the start's
// reserved concurrency above its burst and above its rate times a slow
// start (3 s).
func TestTheBackstopFollowsTheSizingModel(t *testing.T) {
	for _, stage := range []string{"staging", "production"} {
		w := loadWhole(t, stage)
		p := w.Resources["HttpApiStage"].Properties
		def := p["DefaultRouteSettings"].(map[string]any)
		rate, burst := def["ThrottlingRateLimit"].(float64), def["ThrottlingBurstLimit"].(float64)
		if rate < 80 || burst < rate {
			t.Errorf("%s: the start's throttle %v/s burst %v is below the model's peak (83/s)", stage, rate, burst)
		}
		routes := p["RouteSettings"].(map[string]any)
		for _, key := range []string{"GET /api/twitter-callback", "GET /api/unsubscribe", "POST /api/unsubscribe"} {
			s, ok := routes[key].(map[string]any)
			if !ok || s["ThrottlingRateLimit"].(float64) < rate || s["ThrottlingBurstLimit"].(float64) < burst {
				t.Errorf("%s: %s throttled below the start: %s", stage, key, js(routes[key]))
			}
		}
		reserved := w.Resources["GenerateUnderscoresessionLambdaFunction"].Properties["ReservedConcurrentExecutions"].(float64)
		if reserved < burst || reserved < rate*3 {
			t.Errorf("%s: reserved concurrency %v is not above the burst %v and %v/s x 3 s", stage, reserved, burst, rate)
		}
	}
}

// TestTheWebACLComparesPathsAsTheAPIRoutesThem: API Gateway routes a
// request by its decoded path, so every path the web ACL matches is decoded
// and normalized first; /api/twitter%2Dsession must not escape the rules
// that name /api/twitter-session.
func TestTheWebACLComparesPathsAsTheAPIRoutesThem(t *testing.T) {
	acl := loadWhole(t, "production").Resources["EdgeWebAcl"]
	var matches []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if bm, ok := x["ByteMatchStatement"].(map[string]any); ok {
				if ftm, _ := bm["FieldToMatch"].(map[string]any); ftm["UriPath"] != nil {
					matches = append(matches, bm)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(acl.Properties["Rules"])
	if len(matches) < 3 {
		t.Fatalf("%d path matches in the web ACL, want the start's, the callback's and the unsubscribe page's", len(matches))
	}
	for _, bm := range matches {
		if got := js(bm["TextTransformations"]); got != `[{"Priority":0,"Type":"URL_DECODE"},{"Priority":1,"Type":"NORMALIZE_PATH"}]` {
			t.Errorf("the match of %v compares the raw path: %s", bm["SearchString"], got)
		}
	}
}
