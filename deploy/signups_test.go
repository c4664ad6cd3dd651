package deploy

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// The flows' "signed in" lines, in order, and what each must say: new_user
// for a first sign-in, and SignUps only on a first sign-in that is not the
// brand's (make stats does not count the brand either).
func TestSignUpsAreFirstSignInsButTheBrands(t *testing.T) {
	f := runFlows(t)
	var signedIn []map[string]any
	for _, l := range f.lines {
		if l["message"] == "signed in" {
			signedIn = append(signedIn, l)
		}
	}
	want := []struct {
		name            string
		uid             string
		newUser, signUp bool
	}{
		{"the brand's first connection is a new user but no sign-up", teststack.BrandUID, true, false},
		{"alice's first sign-in is a sign-up", aliceUID, true, true},
		{"carol's first sign-in is a sign-up", carolUID, true, true},
		{"carol signing in again is a returning user, no sign-up", carolUID, false, false},
	}
	if len(signedIn) != len(want) {
		t.Fatalf("%d signed in lines, want %d", len(signedIn), len(want))
	}
	for i, w := range want {
		t.Run(w.name, func(t *testing.T) {
			l := signedIn[i]
			_, signUp := l[metrics.SignUps]
			if l["uid"] != w.uid || l["new_user"] != w.newUser || signUp != w.signUp {
				t.Errorf("uid %v new_user %v SignUps %v, want %s %v %v", l["uid"], l["new_user"], signUp, w.uid, w.newUser, w.signUp)
			}
			if l[metrics.SignInsCompleted] != 1.0 || l[metrics.DimResult] != "success" {
				t.Errorf("every completed sign-in still counts in SignInsCompleted: %v", l)
			}
		})
	}
	t.Run("the SignUps points are the two sign-ups, without dimension", func(t *testing.T) {
		n := 0
		for _, p := range f.points {
			if p.Name == metrics.SignUps {
				n++
				if p.Value != 1 || len(p.Dimensions) != 0 || p.Message != "signed in" {
					t.Errorf("point %+v", p)
				}
			}
		}
		if n != 2 {
			t.Errorf("%d SignUps points, want 2", n)
		}
	})
	for _, id := range []string{"SignUpsByUTMQuery", "SignUpsPerDayQuery"} {
		t.Run(id+" selects exactly the lines that carry SignUps", func(t *testing.T) {
			filter := firstFilter(t, load(t, "staging").Resources[id])
			for _, l := range f.lines {
				_, signUp := l[metrics.SignUps]
				if got := matches(t, filter, l); got != signUp {
					t.Errorf("filter %q selects %v the line %v (SignUps %v)", filter, got, l["message"], signUp)
				}
			}
		})
	}
}

// The last failures query shows every refusal (a page not allowed to start
// a sign-in, a malformed form), every failure and every error line, and no
// success.
func TestTheLastFailuresQueryShowsFailuresAndRefusals(t *testing.T) {
	f := runFlows(t)
	filter := firstFilter(t, load(t, "staging").Resources["LastFailuresQuery"])
	refusals := 0
	for _, l := range f.lines {
		failure := slices.Contains([]any{"fail", "failed", "unknown", "refused"}, l["outcome"]) ||
			slices.Contains([]any{"failed", "unknown", "unavailable"}, l["state"]) || l["level"] == "error"
		if l["outcome"] == "refused" {
			refusals++
		}
		if got := matches(t, filter, l); got != failure {
			t.Errorf("selects %v the line %q (outcome %v, reason %v, level %v)", got, l["message"], l["outcome"], l["reason"], l["level"])
		}
	}
	if refusals < 2 {
		t.Errorf("%d refused lines in the flows, want the origin's and the malformed form's", refusals)
	}
}

// A campaign run's line estimates the users still to go: 0 when the run
// ended done; else the users table's item count (DynamoDB Local keeps it
// exact; DynamoDB refreshes it about every six hours) less the users the
// campaign handled so far.
func TestACampaignRunEstimatesWhatIsLeft(t *testing.T) {
	f := runFlows(t)
	users := map[any]bool{}
	var runs []map[string]any
	for _, l := range f.lines {
		switch l["message"] {
		case "signed in":
			users[l["uid"]] = true
		case "campaign run":
			runs = append(runs, l)
		}
	}
	want := map[string]func(l map[string]any) float64{
		"flows-spring": func(map[string]any) float64 { return 0 },
		"flows-capped": func(l map[string]any) float64 {
			return max(0, float64(len(users))-l["sent"].(float64)-l["skipped"].(float64)-l["failed"].(float64)-l["unknown"].(float64))
		},
	}
	if len(runs) != len(want) {
		t.Fatalf("%d campaign run lines, want %d", len(runs), len(want))
	}
	for _, l := range runs {
		id, _ := l["campaign"].(string)
		t.Run(id+" ("+l["status"].(string)+") publishes what is left", func(t *testing.T) {
			if got, w := l[metrics.CampaignRemaining], want[id](l); got != w {
				t.Errorf("CampaignRemaining %v, want %v (users %d): %v", got, w, len(users), l)
			}
			if id == "flows-capped" && l[metrics.CampaignRemaining] == 0.0 {
				t.Error("a campaign stopped halfway says nothing is left")
			}
		})
	}
}

// firstFilter is the condition of a saved query's first command, a filter.
func firstFilter(t *testing.T, q resource) string {
	t.Helper()
	qs, _ := q.Properties["QueryString"].(string)
	first, _, _ := strings.Cut(qs, "|")
	cond, ok := strings.CutPrefix(strings.TrimSpace(first), "filter ")
	if !ok {
		t.Fatalf("query %q does not start with a filter", qs)
	}
	return cond
}

var filterTerm = regexp.MustCompile(`^(\w+) (=|in) (.+)$`)

// matches evaluates a filter of the saved queries' shape on a log line as
// Logs Insights would: terms joined by "and", alternatives joined by "or",
// each field = "text", field = number or field in ["text", ...]. Logs
// Insights reads a JSON true as 1 and false as 0.
func matches(t *testing.T, filter string, l map[string]any) bool {
	t.Helper()
	for _, alt := range strings.Split(filter, " or ") {
		all := true
		for _, term := range strings.Split(alt, " and ") {
			all = all && termMatches(t, strings.TrimSpace(term), l)
		}
		if all {
			return true
		}
	}
	return false
}

func termMatches(t *testing.T, term string, l map[string]any) bool {
	t.Helper()
	m := filterTerm.FindStringSubmatch(term)
	if m == nil {
		t.Fatalf("a filter term this test does not read: %q", term)
	}
	v, ok := l[m[1]]
	if b, isBool := v.(bool); isBool {
		v = map[bool]float64{true: 1, false: 0}[b]
	}
	list := m[3]
	if m[2] == "=" {
		list = "[" + list + "]"
	}
	var values []any
	if err := json.Unmarshal([]byte(list), &values); err != nil {
		t.Fatalf("filter term %q: %v", term, err)
	}
	return ok && slices.Contains(values, v)
}
