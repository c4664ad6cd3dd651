package devserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// The web ACL's rules as serverless.yml declares them: the emulation reads
// the template's own rules, not a copy.
func TestLoadEdgeReadsTheWebACLOfServerlessYml(t *testing.T) {
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	e, err := LoadEdge(root, "local")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.OriginPaths) != 1 || e.OriginPaths[0] != "/api/twitter-session" {
		t.Errorf("Origin rule paths %v", e.OriginPaths)
	}
	byName := map[string]RateRule{}
	for _, r := range e.Rules {
		byName[r.Name] = r
	}
	s, c := byName["signin-rate-per-ip"], byName["callback-rate-per-ip"]
	if len(s.Paths) != 1 || s.Paths[0] != "/api/twitter-session" || s.Limit < 10 || s.Window != 5*time.Minute || s.Status != http.StatusTooManyRequests {
		t.Errorf("sign-in rule %+v", s)
	}
	if len(c.Paths) != 2 || c.Limit < s.Limit || c.Status != http.StatusTooManyRequests {
		t.Errorf("callback rule %+v", c)
	}
}

func TestEdgeLimitsEachClientOnItsOwn(t *testing.T) {
	now := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	allowed, _ := origins.NewSet("https://brand.example")
	e := &Edge{
		OriginPaths:  []string{"/api/twitter-session"},
		AllowOrigins: allowed,
		Rules:        []RateRule{{Name: "start", Paths: []string{"/api/twitter-session"}, Limit: 3, Window: time.Minute, Status: 429}},
		Now:          func() time.Time { return now },
	}
	h := e.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusSeeOther) }))
	send := func(ip, origin, path string) int {
		r := httptest.NewRequest(http.MethodPost, path, nil)
		r.RemoteAddr = ip + ":40000"
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	// Another site's page: blocked, and not counted against anyone.
	for range 10 {
		if got := send("127.0.0.2", "https://attacker.example", "/api/twitter-session"); got != 403 {
			t.Fatalf("cross-site: %d", got)
		}
	}
	var got []int
	for range 5 {
		got = append(got, send("127.0.0.2", "https://brand.example", "/api/twitter-session"))
	}
	if want := []int{303, 303, 303, 429, 429}; !equal(got, want) {
		t.Fatalf("same-site flood: %v, want %v", got, want)
	}
	if c := send("127.0.0.3", "https://brand.example", "/api/twitter-session"); c != 303 {
		t.Fatalf("another client: %d", c)
	}
	if c := send("127.0.0.2", "", "/api/twitter-callback"); c != 303 {
		t.Fatalf("a path of no rule: %d", c)
	}
	// The window slides: a minute later the client starts again.
	now = now.Add(time.Minute)
	if c := send("127.0.0.2", "", "/api/twitter-session"); c != 303 {
		t.Fatalf("after the window: %d", c)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
