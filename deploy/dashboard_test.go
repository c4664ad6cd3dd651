package deploy

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
)

// plotted is one metric a dashboard widget draws: a metric array entry, or
// a SEARCH expression's schema and terms.
type plotted struct {
	widget    string
	namespace string
	name      string
	dims      []string          // dimension names (a SEARCH's schema: exactly these)
	values    map[string]string // dimension values it filters on ("!v": NOT v)
	stat      string
}

// subRef turns the ${Name} of the dashboard's Fn::Sub into "ref:Name".
var subRef = regexp.MustCompile(`\$\{([^}]+)\}`)

// dashboard reads stage's dashboard: its name and what its widgets plot.
func dashboard(t *testing.T, stage string) (string, []map[string]any, []plotted) {
	t.Helper()
	dashes := load(t, stage).ofType("AWS::CloudWatch::Dashboard")
	if len(dashes) != 1 {
		t.Fatalf("%s: %d dashboards, want one", stage, len(dashes))
	}
	var name, body string
	for _, d := range dashes {
		name, _ = d.Properties["DashboardName"].(string)
		sub, _ := d.Properties["DashboardBody"].(map[string]any)
		body, _ = sub["Fn::Sub"].(string)
	}
	var b struct{ Widgets []map[string]any }
	if err := json.Unmarshal([]byte(subRef.ReplaceAllString(body, "ref:$1")), &b); err != nil {
		t.Fatalf("%s: the dashboard body is not JSON once substituted: %v", stage, err)
	}
	var out []plotted
	for _, w := range b.Widgets {
		if w["type"] != "metric" {
			continue
		}
		props, _ := w["properties"].(map[string]any)
		title, _ := props["title"].(string)
		stat, _ := props["stat"].(string)
		ms, _ := props["metrics"].([]any)
		if len(ms) == 0 {
			t.Errorf("%s: widget %q plots nothing", stage, title)
		}
		for _, m := range ms {
			out = append(out, metricEntry(t, title, stat, m))
		}
	}
	return name, b.Widgets, out
}

// metricEntry reads one entry of a widget's metrics: [namespace, name,
// dim, value, ..., {options}] or [{"expression": "SEARCH(...)"}].
func metricEntry(t *testing.T, widget, stat string, m any) plotted {
	t.Helper()
	parts, _ := m.([]any)
	p := plotted{widget: widget, stat: stat, values: map[string]string{}}
	var strs []string
	for _, x := range parts {
		switch v := x.(type) {
		case string:
			strs = append(strs, v)
		case map[string]any:
			if s, ok := v["stat"].(string); ok {
				p.stat = s
			}
			if e, ok := v["expression"].(string); ok {
				return search(t, p, e)
			}
		}
	}
	if len(strs) < 2 || len(strs)%2 != 0 || strs[0] == "..." {
		t.Fatalf("widget %q: %v is not [namespace, name, dimension, value, ...] (no shorthand)", widget, parts)
	}
	p.namespace, p.name = strs[0], strs[1]
	for i := 2; i < len(strs); i += 2 {
		p.dims = append(p.dims, strs[i])
		p.values[strs[i]] = strs[i+1]
	}
	return p
}

var (
	searchExpr = regexp.MustCompile(`^SEARCH\('\{([^}]*)\}(.*)', '(\w+)'(?:, \d+)?\)$`)
	searchTerm = regexp.MustCompile(`(NOT\s+)?(\w+)="([^"]*)"`)
)

// search reads SEARCH('{namespace,dim,...} MetricName="..." dim="v" NOT
// dim="v"', 'stat', period): the schema's exact dimensions, the metric and
// the values it filters on.
func search(t *testing.T, p plotted, expr string) plotted {
	t.Helper()
	m := searchExpr.FindStringSubmatch(expr)
	if m == nil {
		t.Fatalf("widget %q: expression %q is not a SEARCH this test reads", p.widget, expr)
	}
	schema := strings.Split(m[1], ",")
	p.namespace, p.dims, p.stat = strings.Trim(schema[0], `"`), schema[1:], m[3]
	for _, term := range searchTerm.FindAllStringSubmatch(m[2], -1) {
		switch {
		case term[2] == "MetricName":
			p.name = term[3]
		case term[1] != "":
			p.values[term[2]] = "!" + term[3]
		default:
			p.values[term[2]] = term[3]
		}
	}
	if p.name == "" {
		t.Fatalf("widget %q: %q names no MetricName", p.widget, expr)
	}
	return p
}

// TestTheDashboardPlotsOnlyWhatTheFunctionsEmit: every metric of the
// service's namespace that a widget plots (its name and dimension names,
// and each value it filters on) is one that the functions published in the
// flows of flows_test.go: the dashboard cannot show a line that stays empty.
func TestTheDashboardPlotsOnlyWhatTheFunctionsEmit(t *testing.T) {
	f := runFlows(t)
	emitted := map[string][]metrics.Point{}
	for _, p := range f.points {
		emitted[p.Key()] = append(emitted[p.Key()], p)
	}
	for _, stage := range []string{"staging", "production"} {
		_, _, ps := dashboard(t, stage)
		ns := metrics.Namespace(stage)
		plottedNames := map[string]bool{}
		for _, p := range ps {
			if strings.HasPrefix(p.namespace, "AWS/") {
				continue
			}
			if p.namespace != ns {
				t.Errorf("%s: widget %q plots namespace %q, want %q", stage, p.widget, p.namespace, ns)
				continue
			}
			plottedNames[p.name] = true
			key := metrics.Key(f.namespace, p.name, p.dims)
			if len(emitted[key]) == 0 {
				t.Errorf("%s: widget %q plots %s %v, which no function emitted", stage, p.widget, p.name, p.dims)
				continue
			}
			for dim, v := range p.values {
				if !slices.Contains(p.dims, dim) {
					t.Errorf("%s: widget %q filters on %s, not a dimension of its metric", stage, p.widget, dim)
				}
				if !slices.Contains(metrics.Allowed(dim), strings.TrimPrefix(v, "!")) {
					t.Errorf("%s: widget %q filters on %s=%q, which %s never takes", stage, p.widget, dim, v, dim)
				}
				if !strings.HasPrefix(v, "!") && !slices.ContainsFunc(emitted[key], func(pt metrics.Point) bool { return pt.Dimensions[dim] == v }) {
					t.Errorf("%s: widget %q plots %s with %s=%q, which the flows never emitted", stage, p.widget, p.name, dim, v)
				}
			}
		}
		// And the other way: each catalogued metric is on the dashboard.
		for _, d := range metrics.Catalogue {
			for _, m := range d.Metrics {
				if !plottedNames[m.Name] {
					t.Errorf("%s: the dashboard does not plot %s (%s)", stage, m.Name, d.Line)
				}
			}
		}
	}
}

// TestTheDashboardShowsEachFunctionAndTable: per stage, one dashboard named
// after it, in the stack's region, with each function's duration (p50 and
// p99), errors and throttles, and each table's read and write throttles.
func TestTheDashboardShowsEachFunctionAndTable(t *testing.T) {
	for _, stage := range []string{"staging", "production"} {
		tpl := load(t, stage)
		name, widgets, ps := dashboard(t, stage)
		if name != "twitter-sessions-"+stage {
			t.Errorf("%s: dashboard %q", stage, name)
		}
		for _, w := range widgets {
			props, _ := w["properties"].(map[string]any)
			if w["type"] == "metric" && props["region"] != "ref:AWS::Region" {
				t.Errorf("%s: widget %q is not in the stack's region: %v", stage, props["title"], props["region"])
			}
		}
		has := func(ns, metric, dim, ref, stat string) bool {
			return slices.ContainsFunc(ps, func(p plotted) bool {
				return p.namespace == ns && p.name == metric && p.values[dim] == "ref:"+ref && (stat == "" || p.stat == stat)
			})
		}
		for id := range tpl.ofType("AWS::Lambda::Function") {
			for _, want := range [][2]string{{"Duration", "p50"}, {"Duration", "p99"}, {"Errors", "Sum"}, {"Throttles", "Sum"}} {
				if !has("AWS/Lambda", want[0], "FunctionName", id, want[1]) {
					t.Errorf("%s: no widget plots %s %s of %s", stage, want[1], want[0], id)
				}
			}
		}
		for id := range tpl.ofType("AWS::DynamoDB::Table") {
			for _, metric := range []string{"ReadThrottleEvents", "WriteThrottleEvents"} {
				if !has("AWS/DynamoDB", metric, "TableName", id, "Sum") {
					t.Errorf("%s: no widget plots %s of %s", stage, metric, id)
				}
			}
		}
		for _, p := range ps {
			for dim, v := range p.values {
				if ref, ok := strings.CutPrefix(v, "ref:"); ok && ref != "AWS::Region" {
					if _, exists := tpl.Resources[ref]; !exists {
						t.Errorf("%s: widget %q names %s=%s, no resource of the template", stage, p.widget, dim, ref)
					}
				}
			}
		}
	}
}
