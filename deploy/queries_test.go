package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
)

// TestTheSavedQueriesReadTheFunctionsLogGroups: each saved Logs Insights
// query is in the stage's folder, reads only the functions' own log groups
// (/aws/lambda/<service>-<stage>-<function>), and every field it filters on
// or shows is a field that the flows' log lines carry.
func TestTheSavedQueriesReadTheFunctionsLogGroups(t *testing.T) {
	f := runFlows(t)
	seen := map[string]bool{}
	for _, l := range f.lines {
		for k := range l {
			seen[k] = true
		}
	}
	for _, stage := range []string{"staging", "production"} {
		tpl := load(t, stage)
		qs := tpl.ofType("AWS::Logs::QueryDefinition")
		if len(qs) < 2 {
			t.Fatalf("%s: %d saved queries, want the sign-ups by utm and the last failures", stage, len(qs))
		}
		groups := tpl.ofType("AWS::Logs::LogGroup")
		fnGroup := regexp.MustCompile(fmt.Sprintf(`^/aws/lambda/twitter-sessions-%s-(generate_session|twitter_callback|twitter_actions)$`, stage))
		for id, q := range qs {
			name, _ := q.Properties["Name"].(string)
			if !strings.HasPrefix(name, "twitter-sessions-"+stage+"/") {
				t.Errorf("%s: query %s is named %q, not in the stage's folder", stage, id, name)
			}
			refs, _ := q.Properties["LogGroupNames"].([]any)
			if len(refs) == 0 {
				t.Errorf("%s: query %q reads every log group of the account", stage, name)
			}
			for _, r := range refs {
				ref, _ := r.(map[string]any)["Ref"].(string)
				g, ok := groups[ref]
				if lg, _ := g.Properties["LogGroupName"].(string); !ok || !fnGroup.MatchString(lg) {
					t.Errorf("%s: query %q reads %v, not a function's log group", stage, name, r)
				}
			}
			qstr, _ := q.Properties["QueryString"].(string)
			for _, field := range queryFields(qstr) {
				if !seen[field] {
					t.Errorf("%s: query %q uses %s, which no log line of the flows carries", stage, name, field)
				}
			}
		}
	}
}

// TestTheLinesCarryWhatTheQueriesShow: the completed sign-in's line has the
// visit's utm values as plain fields, and a failure's line its reason and,
// for a setup problem at X, what to fix.
func TestTheLinesCarryWhatTheQueriesShow(t *testing.T) {
	f := runFlows(t)
	line := func(match func(l map[string]any) bool) map[string]any {
		i := slices.IndexFunc(f.lines, match)
		if i < 0 {
			return nil
		}
		return f.lines[i]
	}
	tests := []struct {
		name  string
		match func(l map[string]any) bool
	}{
		{"a sign-up carries its utm_source and utm_campaign", func(l map[string]any) bool {
			return l["message"] == "signed in" && l["utm_source"] == "newsletter" && l["utm_campaign"] == "spring_sale"
		}},
		{"a failed start at X carries its reason and the fix", func(l map[string]any) bool {
			return l["outcome"] == "fail" && l["reason"] == "x_callback_not_approved" && l["fix"] != nil && l["level"] == "error"
		}},
		{"a stopped campaign carries the hint", func(l map[string]any) bool {
			return l["level"] == "error" && l["hint"] != nil
		}},
		{"a failed action carries its reason and X's status", func(l map[string]any) bool {
			return l["state"] == "failed" && l["reason"] == "recipient_refuses_dms" && l["x_status"] == 403.0
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if line(tc.match) == nil {
				t.Errorf("no such line among the flows' %d", len(f.lines))
			}
		})
	}
	t.Run("no uid, screen name, campaign id or utm value is a metric dimension", func(t *testing.T) {
		for _, p := range f.points {
			for dim, v := range p.Dimensions {
				if (v != metrics.Other && !slices.Contains(metrics.Allowed(dim), v)) || slices.Contains([]string{aliceUID, carolUID, "alice", "newsletter", "spring_sale", "flows-spring"}, v) {
					t.Errorf("%s: %s=%q", p.Name, dim, v)
				}
			}
		}
	})
}

var (
	queryLiteral = regexp.MustCompile(`"[^"]*"|\[[^\]]*\]`)
	queryAlias   = regexp.MustCompile(`\bas\s+\w+`)
	queryIdent   = regexp.MustCompile(`@?[A-Za-z_]\w*\s*\(?`)
	queryWords   = []string{"and", "or", "not", "in", "like"}
)

// queryFields returns the log fields that a query's filter and fields
// commands name: not its literals, aliases, functions, keywords, or
// CloudWatch's own @fields.
func queryFields(q string) []string {
	var out []string
	for _, cmd := range strings.Split(q, "|") {
		verb, rest, _ := strings.Cut(strings.TrimSpace(cmd), " ")
		if verb != "filter" && verb != "fields" {
			continue
		}
		rest = queryAlias.ReplaceAllString(queryLiteral.ReplaceAllString(rest, ""), "")
		for _, id := range queryIdent.FindAllString(rest, -1) {
			if strings.HasSuffix(id, "(") || strings.HasPrefix(id, "@") || slices.Contains(queryWords, strings.TrimSpace(id)) {
				continue
			}
			out = append(out, strings.TrimSpace(id))
		}
	}
	return out
}
