package xsandbox

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFaultsAnswerInsteadOfX(t *testing.T) {
	tweet := request{method: "POST", path: "/2/tweets", json: `{"text":"hi"}`}
	tests := []struct {
		name       string
		fault      Fault
		req        request
		wantStatus int
		check      func(t *testing.T, resp response)
	}{
		{name: "an X code alone answers that v1 error with its usual status",
			fault:      Fault{Endpoint: EndpointRequestToken, XCode: 415},
			req:        request{method: "POST", path: "/oauth/request_token"},
			wantStatus: 403,
			check: func(t *testing.T, resp response) {
				if xCode(t, resp.body) != 415 {
					t.Errorf("body %s", resp.body)
				}
			}},
		{name: "an X code with a status answers both",
			fault:      Fault{Endpoint: EndpointDM, Status: 403, XCode: 453},
			req:        request{method: "POST", path: dmPath(aliceID), json: `{"text":"hi"}`},
			wantStatus: 403,
			check: func(t *testing.T, resp response) {
				if xCode(t, resp.body) != 453 || !strings.Contains(resp.body, "access level") {
					t.Errorf("body %s", resp.body)
				}
			}},
		{name: "a status alone on a v2 endpoint answers a problem with rate-limit headers",
			fault:      Fault{Endpoint: EndpointTweet, Status: 503},
			req:        tweet,
			wantStatus: 503,
			check: func(t *testing.T, resp response) {
				if p := parseProblem(t, resp); p.Title != "Service Unavailable" || p.Type != "about:blank" {
					t.Errorf("problem %+v", p)
				}
				rateHeaders(t, resp)
			}},
		{name: "a plain 429 reports nothing remaining",
			fault:      Fault{Endpoint: EndpointTweet, Status: 429},
			req:        tweet,
			wantStatus: 429,
			check: func(t *testing.T, resp response) {
				if p := parseProblem(t, resp); p.Title != "Too Many Requests" {
					t.Errorf("problem %+v", p)
				}
				if _, remaining, _ := rateHeaders(t, resp); remaining != 0 {
					t.Errorf("remaining %d", remaining)
				}
			}},
		{name: "a 429 with ResetIn resets that long after the answer, rounded up to the second",
			fault:      Fault{Endpoint: EndpointDM, Status: 429, ResetIn: 1500 * time.Millisecond},
			req:        request{method: "POST", path: dmPath(aliceID), json: `{"text":"hi"}`},
			wantStatus: 429,
			check: func(t *testing.T, resp response) {
				want := time.Date(2026, 5, 1, 12, 0, 2, 0, time.UTC).Unix() // the harness clock + 1.5 s, rounded up
				if _, remaining, reset := rateHeaders(t, resp); remaining != 0 || reset != want {
					t.Errorf("remaining %d reset %d, want 0 and %d", remaining, reset, want)
				}
			}},
		{name: "a usage-capped problem answers 429 while the rate limit still has room",
			fault:      Fault{Endpoint: EndpointDM, ProblemType: ProblemUsageCapped},
			req:        request{method: "POST", path: dmPath(aliceID), json: `{"text":"hi"}`},
			wantStatus: 429,
			check: func(t *testing.T, resp response) {
				if p := parseProblem(t, resp); p.Type != ProblemUsageCapped || p.Title != "UsageCapExceeded" {
					t.Errorf("problem %+v", p)
				}
				if _, remaining, _ := rateHeaders(t, resp); remaining == 0 {
					t.Error("remaining 0: a client could mistake the cap for a rate limit")
				}
			}},
		{name: "a raw body is answered as is",
			fault:      Fault{Endpoint: EndpointAccessToken, Body: `{"errors":[{"code":`, Status: 502},
			req:        request{method: "POST", path: "/oauth/access_token"},
			wantStatus: 502,
			check: func(t *testing.T, resp response) {
				if resp.body != `{"errors":[{"code":` {
					t.Errorf("body %q", resp.body)
				}
			}},
		{name: "a raw body without a status answers 200",
			fault:      Fault{Endpoint: EndpointRequestToken, Body: "oauth_token=x&oauth_token_secret=y", Headers: map[string]string{"Content-Type": "text/html"}},
			req:        request{method: "POST", path: "/oauth/request_token"},
			wantStatus: 200,
			check: func(t *testing.T, resp response) {
				if resp.body != "oauth_token=x&oauth_token_secret=y" || resp.header.Get("Content-Type") != "text/html" {
					t.Errorf("body %q content type %q", resp.body, resp.header.Get("Content-Type"))
				}
			}},
		{name: "headers alone are added to the normal answer",
			fault:      Fault{Endpoint: EndpointUsersMe, Headers: map[string]string{"x-rate-limit-remaining": "0", "X-Sandbox": "yes"}},
			req:        request{method: "GET", path: "/2/users/me"},
			wantStatus: 200,
			check: func(t *testing.T, resp response) {
				if resp.header.Get("X-Sandbox") != "yes" || resp.header.Get("x-rate-limit-remaining") != "0" || !strings.Contains(resp.body, aliceID) {
					t.Errorf("headers %v body %s", resp.header, resp.body)
				}
			}},
		{name: "a status on the authorize page answers an HTML page",
			fault:      Fault{Endpoint: EndpointAuthenticate, Status: 500},
			req:        request{method: "GET", path: "/oauth/authenticate?oauth_token=x"},
			wantStatus: 500,
			check: func(t *testing.T, resp response) {
				if !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
					t.Errorf("content type %q", resp.header.Get("Content-Type"))
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.sb.InjectFault(tt.fault)
			resp := h.do(h.userSigner(aliceID), tt.req)
			requireStatus(t, resp, tt.wantStatus)
			tt.check(t, resp)
			if c := h.lastCall(); c.Endpoint != tt.fault.Endpoint || c.Status != tt.wantStatus {
				t.Errorf("recorded %+v", c)
			}
			if n := len(h.sb.Tweets()) + len(h.sb.DMs()); n != 0 {
				t.Error("a faulted call had a side effect")
			}
		})
	}
}

func TestFaultsAreUsedInOrderForTheirTimes(t *testing.T) {
	h := newHarness(t)
	h.sb.InjectFault(Fault{Endpoint: EndpointTweet, Status: 500, Times: 2})
	h.sb.InjectFault(Fault{Endpoint: EndpointUsersMe, Status: 401})
	h.sb.InjectFault(Fault{Endpoint: EndpointTweet, Status: 503})
	alice := h.userSigner(aliceID)

	var got []int
	for i := range 4 {
		resp := h.do(alice, request{method: "POST", path: "/2/tweets", json: `{"text":"try ` + string(rune('a'+i)) + `"}`})
		got = append(got, resp.status)
	}
	if want := []int{500, 500, 503, 201}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if c := h.sb.Calls()[0]; !strings.Contains(c.Error, "injected fault") {
		t.Errorf("a faulted call was recorded without saying so: %+v", c)
	}
	if resp := h.do(alice, request{method: "GET", path: "/2/users/me"}); resp.status != 401 {
		t.Errorf("the users_me fault was not kept for its own endpoint: %d", resp.status)
	}
}

func TestClearFaultsDropsThemAll(t *testing.T) {
	h := newHarness(t)
	h.sb.InjectFault(Fault{Endpoint: EndpointUsersMe, Status: 500, Times: 5})
	h.sb.ClearFaults()
	if resp := h.do(h.userSigner(aliceID), request{method: "GET", path: "/2/users/me"}); resp.status != 200 {
		t.Errorf("got %d", resp.status)
	}
}

func TestAFaultForAnUnknownEndpointNeverApplies(t *testing.T) {
	h := newHarness(t)
	h.sb.InjectFault(Fault{Endpoint: "users/me", Status: 500})
	if resp := h.do(h.userSigner(aliceID), request{method: "GET", path: "/2/users/me"}); resp.status != 200 {
		t.Errorf("got %d", resp.status)
	}
}

func TestADelayedAnswerArrivesLate(t *testing.T) {
	h := newHarness(t)
	const delay = 150 * time.Millisecond
	h.sb.InjectFault(Fault{Endpoint: EndpointUsersMe, Delay: delay})
	start := time.Now()
	resp := h.do(h.userSigner(aliceID), request{method: "GET", path: "/2/users/me"})
	if elapsed := time.Since(start); elapsed < delay || resp.status != 200 {
		t.Errorf("answered %d after %s, want 200 after at least %s", resp.status, elapsed, delay)
	}
}

func TestADelayEndsWhenTheClientGivesUp(t *testing.T) {
	h := newHarness(t)
	h.sb.InjectFault(Fault{Endpoint: EndpointTweet, Delay: time.Minute, Status: 500})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, "POST", h.srv.URL+"/2/tweets", strings.NewReader(`{"text":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan error, 1)
	go func() {
		_, err := send(r)
		sent <- err
	}()
	// The client gives up only once the sandbox holds the request in the
	// fault's delay (it took the fault), however late the request arrives.
	waitHeld(t, h)
	if h.sb.WaitIdle(10 * time.Millisecond) {
		t.Error("WaitIdle: idle while a request is held")
	}
	cancel()
	if err := <-sent; err == nil {
		t.Fatal("the client got an answer")
	}
	if !h.sb.WaitIdle(10 * time.Second) {
		t.Fatal("WaitIdle: the request the client gave up on is still in flight")
	}
	if n := len(h.sb.Calls()); n != 1 {
		t.Fatalf("%d calls recorded once idle, want 1", n)
	}
	call := waitForCall(t, h)
	if call.Status != 0 || !strings.Contains(call.Error, "gave up") {
		t.Errorf("recorded %+v", call)
	}
	// WaitIdle's answer is the proof that the handler stopped waiting when
	// the client left: the fault's delay is a minute.
}

// waitHeld waits until a request is in flight and has taken the only
// queued fault (bounded, so that a lost request fails instead of hanging).
func waitHeld(t *testing.T, h *harness) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.sb.mu.Lock()
		held := h.sb.inFlight == 1 && len(h.sb.faults) == 0
		h.sb.mu.Unlock()
		if held {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the sandbox's delay")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAClosedConnectionGivesTheClientAnError(t *testing.T) {
	h := newHarness(t)
	h.sb.InjectFault(Fault{Endpoint: EndpointTweet, CloseConn: true})
	// POST, so the client does not retry on a fresh connection.
	if _, err := h.try(h.userSigner(aliceID), request{method: "POST", path: "/2/tweets", json: `{"text":"hi"}`}); err == nil {
		t.Fatal("the client got an answer")
	}
	call := waitForCall(t, h)
	if call.Status != 0 || call.Endpoint != EndpointTweet || !strings.Contains(call.Error, "closed") {
		t.Errorf("recorded %+v", call)
	}
	if len(h.sb.Tweets()) != 0 {
		t.Error("the dropped call posted")
	}
}

// waitForCall waits for the server to record the first call: after a client
// error the handler may still be finishing.
func waitForCall(t *testing.T, h *harness) Call {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if calls := h.sb.Calls(); len(calls) > 0 {
			return calls[0]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no call recorded")
	return Call{}
}
