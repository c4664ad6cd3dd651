package signin_test

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// TestLoad runs a bounded burst of sign-ins on loopback: concurrent starts
// and callbacks, each callback also replayed concurrently. Nothing may answer
// 5xx, every user is stored exactly once, and no session is consumed twice.
// make test runs it small; make bench sets LOAD_SIGNINS for a larger run.
func TestLoad(t *testing.T) {
	t.Parallel()
	n, conc := envInt("LOAD_SIGNINS", 60), envInt("LOAD_CONCURRENCY", 12)
	users := make([]xsandbox.User, n)
	for i := range users {
		users[i] = xsandbox.User{ID: strconv.FormatUint(1_300_000_000_000_000_000+uint64(i), 10), Username: fmt.Sprintf("u%d", i)}
	}
	s := newStack(t, teststack.WithUsers(users))

	var fivexx, successes, replaysRefused atomic.Int64
	latencies := make([]time.Duration, n)
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	began := time.Now()
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			resp, err := s.h.StartSignIn(teststack.LambdaContext(t, lambdaTimeout), formRequest("follow=true", nil))
			if err != nil || resp.StatusCode >= 500 || resp.StatusCode != http.StatusSeeOther {
				fivexx.Add(1)
				return
			}
			loc := resp.Headers["Location"]
			token := loc[strings.Index(loc, "oauth_token=")+len("oauth_token="):]
			cookie, _, _ := strings.Cut(resp.Cookies[0], ";")
			cb, err := s.sandbox.Approve(token, users[i].ID)
			if err != nil {
				t.Error(err)
				return
			}
			query := cb[strings.Index(cb, "?")+1:]
			// The callback and a replay race each other.
			var inner sync.WaitGroup
			for range 2 {
				inner.Add(1)
				go func() {
					defer inner.Done()
					resp, err := s.h.Callback(teststack.LambdaContext(t, lambdaTimeout), callbackRequest(query, cookie))
					switch {
					case err != nil || resp.StatusCode >= 500:
						fivexx.Add(1)
					case strings.Contains(resp.Headers["Location"], "result=success"):
						successes.Add(1)
					case strings.Contains(resp.Headers["Location"], "reason=session_not_found"):
						replaysRefused.Add(1)
					default:
						t.Errorf("unexpected answer %d %s", resp.StatusCode, resp.Headers["Location"])
					}
				}()
			}
			inner.Wait()
			latencies[i] = time.Since(t0)
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)

	if fivexx.Load() != 0 {
		t.Fatalf("%d answers were 5xx or errors", fivexx.Load())
	}
	if successes.Load() != int64(n) || replaysRefused.Load() != int64(n) {
		t.Fatalf("%d successes and %d refused replays, want %d each: a session was consumed twice or not at all", successes.Load(), replaysRefused.Load(), n)
	}
	if got := s.count(s.cfg.TwitterTable); got != n {
		t.Fatalf("%d users stored, want %d", got, n)
	}
	for _, u := range []xsandbox.User{users[0], users[n-1]} {
		if logins, _ := dynamo.GetInt(s.user(u.ID), "logins"); logins != 1 {
			t.Fatalf("user %s has %d logins", u.ID, logins)
		}
	}
	if s.calls("access_token") != n {
		t.Fatalf("%d access_token calls for %d sign-ins: a replay reached X", s.calls("access_token"), n)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	t.Logf("load: %d sign-ins (start + callback + racing replay), concurrency %d, %v total, %.0f sign-ins/s, p50 %v, p99 %v",
		n, conc, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(),
		latencies[n/2].Round(time.Millisecond), latencies[(n*99)/100].Round(time.Millisecond))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
