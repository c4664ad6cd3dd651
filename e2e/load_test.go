package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The flood's limits, given to a dev stack of its own (the shared stack keeps
// serverless.yml's, which a short flood would hardly reach). The burst is
// below the reserved concurrency, as it should be deployed: the route's 429
// answers before Lambda could throttle (a 500), so no request of the flood
// may end in a 5xx.
const (
	floodRate        = 5  // requests/s refilled into POST /api/twitter-session's bucket
	floodBurst       = 10 // the bucket's size
	floodConcurrency = 20 // generate_session's reserved concurrency
)

// Bounds of the flood: requests paced at floodPace (300/s, sixty times the
// sustained limit), by floodWorkers at a time, for floodDuration and, however
// slow the machine, until alice's callback has answered, a request was sent
// after that answer, and floodBurst requests got 429; never more than
// floodMax requests (the bound that ends a flood that never gets there: a
// throttle that lets everything through, say) nor, against a hung stack,
// longer than floodMaxDuration.
const (
	floodWorkers     = 8
	floodPace        = time.Second / 300
	floodDuration    = 2 * time.Second
	floodMax         = 3000
	floodMaxDuration = 2 * time.Minute
)

// sample is one request of the flood.
type sample struct {
	sent     time.Time
	status   int
	took     time.Duration
	location string
	body     string // of a 429 (API Gateway's message)
}

// TestLoadSignInFloodIsThrottledWhileASignInFinishes floods POST
// /api/twitter-session of a dev stack with small limits, from 127.0.0.1
// only, bounded in count and time. The requests beyond the route's token
// bucket get API Gateway's 429 without invoking generate_session (no session
// is stored for them); those within it get their 303 to the X sandbox; and a
// sign-in started before the flood finishes during it, because the callback's
// route has a bucket of its own. It asserts what was answered and what was
// invoked, never how fast: the latencies it logs are figures for make bench
// (tools/bench prints them).
//
// It measures the API's own throttle: the emulated edge's per-client rules
// are off (-no-edge; tools/dev's flood test covers them).
//
// Not parallel: it runs before the browser tests, so that the latencies it
// logs are not those of a CPU shared with chromium.
func TestLoadSignInFloodIsThrottledWhileASignInFinishes(t *testing.T) {
	s, err := startStackRetrying("-rate", fmt.Sprint(floodRate), "-burst", fmt.Sprint(floodBurst),
		"-signin-concurrency", fmt.Sprint(floodConcurrency), "-no-edge")
	if err != nil {
		t.Fatalf("starting a dev stack with small limits: %v", err)
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("stopping the flood's dev stack: %v", err)
		}
	})
	if ip := net.ParseIP(s.site.Hostname()); ip == nil || !ip.IsLoopback() {
		t.Fatalf("the flood goes to loopback only, not to %s", s.site)
	}
	signIn := s.site.JoinPath("api/twitter-session").String()
	authorize := s.signInPage()
	pageOrigin := origin(s.site)

	// The flood's connections are kept open and reused: what is measured is
	// the gateway, not TCP handshakes.
	transport := &http.Transport{MaxIdleConnsPerHost: floodWorkers + 2, MaxConnsPerHost: floodWorkers + 2}
	t.Cleanup(transport.CloseIdleConnections)
	noRedirects := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	flooder := &http.Client{Transport: transport, CheckRedirect: noRedirects, Timeout: 10 * time.Second}
	jar, _ := cookiejar.New(nil)
	visitor := &http.Client{Transport: transport, CheckRedirect: noRedirects, Timeout: 10 * time.Second, Jar: jar}

	post := func(c *http.Client) (sample, error) {
		req, err := http.NewRequest(http.MethodPost, signIn, strings.NewReader("follow=true&tweet=false"))
		if err != nil {
			return sample{}, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", pageOrigin) // the brand's page, as a browser would name it
		began := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			return sample{}, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return sample{sent: began, status: resp.StatusCode, took: time.Since(began), location: resp.Header.Get("Location"), body: string(body)}, nil
	}

	// Before the flood: alice starts a sign-in and authorizes the app at X.
	started, err := post(visitor)
	if err != nil || started.status != http.StatusSeeOther || !strings.HasPrefix(started.location, authorize) {
		t.Fatalf("alice's sign-in before the flood: %+v, %v; want a 303 to %s", started, err, authorize)
	}
	callback := approveAtSandbox(t, s, started.location, aliceUID)

	// The flood.
	var (
		mu      sync.Mutex
		samples []sample
		errs    []error
		sent    atomic.Int32
		cbDone  atomic.Bool
		wg      sync.WaitGroup
	)
	pace := time.NewTicker(floodPace)
	defer pace.Stop()
	floodStart := time.Now()
	deadline, hardDeadline := floodStart.Add(floodDuration), floodStart.Add(floodMaxDuration)
	var afterCb atomic.Bool // a request was sent after alice's callback answered
	var nThrottled atomic.Int32
	flooding := func() bool {
		now := time.Now()
		more := now.Before(deadline) || !cbDone.Load() || !afterCb.Load() || nThrottled.Load() < floodBurst
		return more && sent.Add(1) <= floodMax && now.Before(hardDeadline)
	}
	for range floodWorkers {
		wg.Go(func() {
			for flooding() {
				<-pace.C
				cbAnswered := cbDone.Load()
				smp, err := post(flooder)
				if err == nil {
					afterCb.CompareAndSwap(false, cbAnswered)
					if smp.status == http.StatusTooManyRequests {
						nThrottled.Add(1)
					}
				}
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					samples = append(samples, smp)
				}
				mu.Unlock()
			}
		})
	}

	// During the flood: X sends alice back to the callback.
	time.Sleep(floodDuration / 4)
	cbBegan := time.Now()
	cbResp, err := visitor.Get(callback)
	cbTook := time.Since(cbBegan)
	cbEnded := time.Now()
	cbDone.Store(true)
	var cbStatus int
	var cbLocation string
	if err == nil {
		cbStatus, cbLocation = cbResp.StatusCode, cbResp.Header.Get("Location")
		cbResp.Body.Close()
	}
	wg.Wait()
	floodTook := time.Since(floodStart)
	// During: flood requests were still being sent after the callback's answer.
	var lastSent time.Time
	for _, smp := range samples {
		if smp.sent.After(lastSent) {
			lastSent = smp.sent
		}
	}
	duringFlood := cbEnded.Before(lastSent)

	// The figures (logged for make bench, not asserted).
	var ok303, throttled []time.Duration
	other := map[int]int{}
	for _, smp := range samples {
		switch smp.status {
		case http.StatusSeeOther:
			ok303 = append(ok303, smp.took)
			if !strings.HasPrefix(smp.location, authorize) {
				t.Errorf("a sign-in within the limit was sent to %q, want the sandbox's authorize page %s", smp.location, authorize)
			}
		case http.StatusTooManyRequests:
			throttled = append(throttled, smp.took)
			if smp.body != `{"message":"Too Many Requests"}` {
				t.Errorf("a 429 said %q, want API Gateway's {\"message\":\"Too Many Requests\"}", smp.body)
			}
		default:
			other[smp.status]++
		}
	}
	t.Logf("flood: %d POST /api/twitter-session in %s from %d workers (limits: %d/s, burst %d; reserved concurrency %d)",
		len(samples), floodTook.Round(time.Millisecond), floodWorkers, floodRate, floodBurst, floodConcurrency)
	t.Logf("  303 to X: %4d  %s", len(ok303), percentiles(ok303))
	t.Logf("  429:      %4d  %s", len(throttled), percentiles(throttled))
	if len(other) > 0 || len(errs) > 0 {
		t.Logf("  other answers: %v; transport errors: %d", other, len(errs))
	}
	t.Logf("alice's callback during the flood (%v): %d in %s -> %s", duringFlood, cbStatus, cbTook.Round(time.Microsecond), cbLocation)

	// What they must show.
	if len(errs) > 0 {
		t.Errorf("%d requests failed without an answer, the first: %v", len(errs), errs[0])
	}
	for status, n := range other {
		t.Errorf("%d requests answered %d, want only 303 (within the limit) and 429 (beyond it); a 5xx would be Lambda's throttle, which the burst below the reserved concurrency must prevent", n, status)
	}
	// The bucket: floodBurst at once (less alice's token, partly refilled),
	// then floodRate per second; one more for the refill's rounding. (A count
	// of answers, not a speed: a slower machine only widens the bound.)
	most := floodBurst + int(floodRate*floodTook.Seconds()) + 1
	if len(ok303) < floodBurst-1 || len(ok303) > most {
		t.Errorf("%d sign-ins got through in %s, want between %d and %d (burst %d, then %d/s)",
			len(ok303), floodTook.Round(time.Millisecond), floodBurst-1, most, floodBurst, floodRate)
	}
	if len(throttled) < floodBurst {
		t.Errorf("only %d of %d requests got 429 (the flood goes on until %d do, or %d were sent): the limit let the flood through", len(throttled), len(samples), floodBurst, floodMax)
	}
	// What was invoked: every 303 stored its session, and nothing else did
	// (alice's was consumed by her callback). A 429 that reached
	// generate_session would have stored one too.
	if n := countItems(t, s, "SESSION_TABLE"); n != len(ok303) {
		t.Errorf("%d sessions stored for %d sign-ins answered 303: a request beyond the limit reached generate_session", n, len(ok303))
	}
	if err != nil {
		t.Fatalf("alice's callback during the flood: %v", err)
	}
	if !duringFlood {
		t.Errorf("alice's callback ended after the flood's last request (it took %s; the flood stopped at %d requests or %s): the test did not show it during one", cbTook, floodMax, floodMaxDuration)
	}
	if want := s.site.String() + "?"; cbStatus != http.StatusSeeOther && cbStatus != http.StatusFound || !strings.HasPrefix(cbLocation, want) {
		t.Fatalf("alice's callback answered %d to %q, want a redirect to %s", cbStatus, cbLocation, want)
	}
	if q, _ := url.Parse(cbLocation); q.Query().Get("result") != "success" {
		t.Errorf("alice's callback ended in %q, want result=success; tools/dev logged:\n%s", cbLocation, s.logs(15))
	}
}

// approveAtSandbox does what clicking "Authorize" as user does on the
// sandbox's page at authorizeURL, and returns the callback URL X sends the
// browser to.
func approveAtSandbox(t *testing.T, s *devStack, authorizeURL, user string) string {
	t.Helper()
	u, err := url.Parse(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	control, decision := "_sandbox/oauth2/approve", map[string]string{"authorize_url": authorizeURL, "user_id": user}
	if s.protocol == oauth1 {
		control, decision = "_sandbox/approve", map[string]string{"request_token": u.Query().Get("oauth_token"), "user_id": user}
	}
	body, _ := json.Marshal(decision)
	resp, err := http.Post(s.sandbox.JoinPath(control).String(), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("approving at the sandbox: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		CallbackURL string `json:"callback_url"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.CallbackURL == "" {
		t.Fatalf("approving at the sandbox: %d %+v %v", resp.StatusCode, out, err)
	}
	return out.CallbackURL
}

// countItems counts the items of the dev stack's table named by the local
// stage's environment variable tableVar (e.g. SESSION_TABLE).
func countItems(t *testing.T, s *devStack, tableVar string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, env := devDB(ctx, t, s)
	n := 0
	pages := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(env[tableVar]), Select: types.SelectCount, ConsistentRead: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("counting %s at %s: %v", env[tableVar], s.dynamo, err)
		}
		n += int(page.Count)
	}
	return n
}

// percentile is the p-th percentile of ds (nearest rank), 0 when empty.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return ""
	}
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	return fmt.Sprintf("p50 %s  p99 %s  max %s", r(percentile(ds, 50)), r(percentile(ds, 99)), r(percentile(ds, 100)))
}
