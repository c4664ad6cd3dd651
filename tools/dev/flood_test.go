package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// The flood: one client floods the API that make dev serves (the local
// stage's limits from serverless.yml, the edge rules included) while a
// genuine visitor on another loopback address signs in. Every client has an
// address of its own in 127.0.0.0/8, as visitors have their own IPs.
//
// Bounded: each flood phase sends at most floodMax requests and lasts at
// most floodFor (it stops as soon as the genuine visitor is done); loopback
// only. It prints what each client got. It asserts
// counts of the genuine visitor's outcomes, never a rate or a time.
const (
	floodThreads = 4
	floodMax     = 20000
	floodFor     = 3 * time.Second
	genuineTries = 6
	// The genuine visitor starts once the attacker has had floodWarm
	// answers (past every per-client limit) or after floodFor/2.
	floodWarm = 400
)

const (
	attackerIP = "127.0.0.2"
	genuineIP  = "127.0.0.3"
)

// client sends from one loopback address, never following redirects (a 303
// to X is the answer we count).
func client(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 2 * time.Second}
	return &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: floodThreads},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// tally counts answers by status code.
type tally struct {
	mu sync.Mutex
	n  map[int]int
}

func (c *tally) add(code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int]int{}
	}
	c.n[code]++
}

func (c *tally) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	codes := make([]int, 0, len(c.n))
	total := 0
	for k, v := range c.n {
		codes = append(codes, k)
		total += v
	}
	sort.Ints(codes)
	parts := []string{}
	for _, k := range codes {
		label := fmt.Sprint(k)
		if k == 0 {
			label = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%d x %s", c.n[k], label))
	}
	return fmt.Sprintf("%d requests: %s", total, strings.Join(parts, ", "))
}

func (c *tally) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.n {
		n += v
	}
	return n
}

func (c *tally) count(codes ...int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, code := range codes {
		n += c.n[code]
	}
	return n
}

func send(c *http.Client, method, u string, body string, headers map[string]string) int {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return 0
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// flood sends req from c on floodThreads threads until floodMax requests
// were sent or floodFor passed, whichever comes first.
func flood(ctx context.Context, c *http.Client, req func(*http.Client) int, got *tally) {
	ctx, cancel := context.WithTimeout(ctx, floodFor)
	defer cancel()
	var sent sync.WaitGroup
	budget := make(chan struct{}, floodMax)
	for range floodMax {
		budget <- struct{}{}
	}
	close(budget)
	for range floodThreads {
		sent.Add(1)
		go func() {
			defer sent.Done()
			for range budget {
				if ctx.Err() != nil {
					return
				}
				got.add(req(c))
			}
		}()
	}
	sent.Wait()
}

func TestAFloodFromOneAddressLeavesAnotherVisitorsSignInAlone(t *testing.T) {
	ts := teststack.New(t, "flood", teststack.WithEnv("SIGNIN_PROTOCOL", "oauth2"))
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// The local stage's limits, as make dev applies them (no overrides).
	gw, signinLimit, err := gateway(root, ts.Env, limits{rate: -1, burst: -1, signinConcurrency: -1})
	if err != nil {
		t.Fatal(err)
	}
	fns := functions{signIn: ts.Deps, callback: ts.Deps, actions: ts.Deps}
	srv := httptest.NewServer(gw.Handler(api(fns, gw, signinLimit)))
	t.Cleanup(srv.Close)
	site, _ := url.Parse(teststack.SiteURL)
	siteOrigin := site.Scheme + "://" + site.Host

	attacker, genuine := client(t, attackerIP), client(t, genuineIP)
	if code := send(genuine, http.MethodGet, srv.URL+"/api/nothing-here", "", nil); code == 0 {
		t.Skipf("cannot send from %s on this machine (loopback addresses beyond 127.0.0.1)", genuineIP)
	}
	start := func(origin string) func(*http.Client) int {
		return func(c *http.Client) int {
			return send(c, http.MethodPost, srv.URL+"/api/twitter-session", "follow=false",
				map[string]string{"Origin": origin, "Accept": "application/json"})
		}
	}
	junkCallback := func(c *http.Client) int {
		return send(c, http.MethodGet, srv.URL+"/api/twitter-callback?state=junk&code=junk", "", nil)
	}

	phases := []struct {
		name     string
		attack   func(*http.Client) int
		genuine  func(*http.Client) int
		wantGood []int // what every genuine request must get
	}{
		{"cross-site flood of sign-in starts (Origin: https://attacker.example)", start("https://attacker.example"), start(siteOrigin), []int{http.StatusOK}},
		{"same-site flood of sign-in starts (Origin: the brand's page)", start(siteOrigin), start(siteOrigin), []int{http.StatusOK}},
		// The genuine return from X carries no live state here: the visitor
		// must reach the function, which answers 302 to the site.
		{"flood of junk callbacks", junkCallback, junkCallback, []int{http.StatusFound}},
	}
	for _, p := range phases {
		var wg sync.WaitGroup
		bad := &tally{}
		ctx, stop := context.WithCancel(context.Background())
		wg.Add(1)
		go func() {
			defer wg.Done()
			flood(ctx, attacker, p.attack, bad)
		}()
		good := &tally{}
		for warm := time.Now().Add(floodFor / 2); time.Now().Before(warm); time.Sleep(5 * time.Millisecond) {
			if bad.total() >= floodWarm {
				break
			}
		}
		for range genuineTries {
			good.add(p.genuine(genuine))
			time.Sleep(20 * time.Millisecond)
		}
		stop()
		wg.Wait()
		t.Logf("%s:\n  attacker %s: %s\n  genuine  %s: %s", p.name, attackerIP, bad, genuineIP, good)
		if n := good.count(p.wantGood...); n != genuineTries {
			t.Errorf("%s: the genuine visitor got %d of %d answers %v (%s)", p.name, n, genuineTries, p.wantGood, good)
		}
	}
}
