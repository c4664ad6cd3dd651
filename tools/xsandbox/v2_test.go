package xsandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestUsersMeAnswersTheTokensUserWithExactIDs(t *testing.T) {
	for _, u := range DefaultUsers() {
		t.Run("the token of @"+u.Username+" answers @"+u.Username, func(t *testing.T) {
			h := newHarness(t)
			resp := h.do(h.userSigner(u.ID), request{method: "GET", path: "/2/users/me"})
			if resp.status != http.StatusOK {
				t.Fatalf("status %d: %s", resp.status, resp.body)
			}
			want := `{"data":{"id":"` + u.ID + `","name":"` + u.Name + `","username":"` + u.Username + `"}}`
			if strings.TrimSpace(resp.body) != want {
				t.Errorf("body %s, want %s", resp.body, want)
			}
		})
	}
}

func followPath(id string) string { return "/2/users/" + id + "/following" }

func dmPath(id string) string { return "/2/dm_conversations/with/" + id + "/messages" }

func TestFollow(t *testing.T) {
	tests := []struct {
		name        string
		as, pathID  string
		body        string
		wantStatus  int
		wantBody    string // exact JSON for successes
		wantProblem string // problem type for failures
		wantFollow  *Follow
	}{
		{name: "following a public account answers following true",
			as: aliceID, pathID: aliceID, body: `{"target_user_id":"` + brandID + `"}`,
			wantStatus: 200, wantBody: `{"data":{"following":true,"pending_follow":false}}`,
			wantFollow: &Follow{SourceUserID: aliceID, TargetUserID: brandID}},
		{name: "following a protected account answers pending_follow true",
			as: aliceID, pathID: aliceID, body: `{"target_user_id":"` + daveID + `"}`,
			wantStatus: 200, wantBody: `{"data":{"following":false,"pending_follow":true}}`,
			wantFollow: &Follow{SourceUserID: aliceID, TargetUserID: daveID, Pending: true}},
		{name: "following on behalf of another user answers 403",
			as: aliceID, pathID: bobID, body: `{"target_user_id":"` + brandID + `"}`,
			wantStatus: 403, wantProblem: "about:blank"},
		{name: "an unknown target answers 400",
			as: aliceID, pathID: aliceID, body: `{"target_user_id":"42"}`,
			wantStatus: 400, wantProblem: ProblemInvalidRequest},
		{name: "a target id sent as a JSON number answers 400",
			as: aliceID, pathID: aliceID, body: `{"target_user_id":1900000000000000001}`,
			wantStatus: 400, wantProblem: ProblemInvalidRequest},
		{name: "a missing target answers 400",
			as: aliceID, pathID: aliceID, body: `{}`,
			wantStatus: 400, wantProblem: ProblemInvalidRequest},
		{name: "following yourself answers 400",
			as: aliceID, pathID: aliceID, body: `{"target_user_id":"` + aliceID + `"}`,
			wantStatus: 400, wantProblem: ProblemInvalidRequest},
		{name: "a body that is not JSON answers 400",
			as: aliceID, pathID: aliceID, body: `target_user_id=1`,
			wantStatus: 400, wantProblem: ProblemInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			resp := h.do(h.userSigner(tt.as), request{method: "POST", path: followPath(tt.pathID), json: tt.body})
			requireStatus(t, resp, tt.wantStatus)
			if tt.wantProblem != "" {
				checkProblem(t, resp, tt.wantProblem)
			} else if strings.TrimSpace(resp.body) != tt.wantBody {
				t.Errorf("body %s, want %s", resp.body, tt.wantBody)
			}
			follows := h.sb.Follows()
			if tt.wantFollow == nil {
				if len(follows) != 0 {
					t.Errorf("follows = %+v, want none", follows)
				}
				return
			}
			want := *tt.wantFollow
			want.At = h.clock.Now()
			if len(follows) != 1 || follows[0] != want {
				t.Errorf("follows = %+v, want [%+v]", follows, want)
			}
		})
	}
}

func TestFollowForbiddenSaysNotPermitted(t *testing.T) {
	h := newHarness(t)
	resp := h.do(h.userSigner(aliceID), request{method: "POST", path: followPath(bobID), json: `{"target_user_id":"` + brandID + `"}`})
	if p := parseProblem(t, resp); p.Title != "Forbidden" || p.Detail != "You are not permitted to perform this action." {
		t.Errorf("problem = %+v", p)
	}
}

func TestDM(t *testing.T) {
	tests := []struct {
		name             string
		from, to, body   string
		wantStatus       int
		wantConversation string
		wantProblem      string
	}{
		{name: "the brand DMs alice and the conversation id puts the smaller id first",
			from: brandID, to: aliceID, body: `{"text":"Welcome!"}`,
			wantStatus: 201, wantConversation: aliceID + "-" + brandID},
		{name: "ids are compared as numbers, not as text",
			from: brandID, to: bobID, body: `{"text":"Welcome!"}`,
			wantStatus: 201, wantConversation: bobID + "-" + brandID},
		{name: "a recipient who accepts DMs from nobody answers 403",
			from: brandID, to: carolID, body: `{"text":"Welcome!"}`,
			wantStatus: 403, wantProblem: "about:blank"},
		{name: "an unknown participant answers 400",
			from: brandID, to: "42", body: `{"text":"Welcome!"}`,
			wantStatus: 400, wantProblem: ProblemInvalidRequest},
		{name: "an empty text answers 400",
			from: brandID, to: aliceID, body: `{"text":"  "}`,
			wantStatus: 400, wantProblem: ProblemInvalidRequest},
		{name: "a DM to yourself answers 400",
			from: brandID, to: brandID, body: `{"text":"note to self"}`,
			wantStatus: 400, wantProblem: ProblemInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			resp := h.do(h.userSigner(tt.from), request{method: "POST", path: dmPath(tt.to), json: tt.body})
			requireStatus(t, resp, tt.wantStatus)
			if tt.wantProblem != "" {
				p := checkProblem(t, resp, tt.wantProblem)
				if tt.wantStatus == 403 && p.Detail != "You are not permitted to perform this action." {
					t.Errorf("403 detail %q", p.Detail)
				}
				if dms := h.sb.DMs(); len(dms) != 0 {
					t.Errorf("a refused DM was recorded: %+v", dms)
				}
				return
			}
			var got struct {
				Data struct {
					ConversationID string `json:"dm_conversation_id"`
					EventID        string `json:"dm_event_id"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(resp.body), &got); err != nil {
				t.Fatal(err)
			}
			if got.Data.ConversationID != tt.wantConversation || len(got.Data.EventID) != 19 {
				t.Errorf("data = %+v, want conversation %s and a 19-digit event id", got.Data, tt.wantConversation)
			}
			want := DM{At: h.clock.Now(), EventID: got.Data.EventID, ConversationID: tt.wantConversation, SenderID: tt.from, RecipientID: tt.to, Text: "Welcome!"}
			if dms := h.sb.DMs(); len(dms) != 1 || dms[0] != want {
				t.Errorf("DMs = %+v, want [%+v]", dms, want)
			}
		})
	}
}

func TestTweet(t *testing.T) {
	h := newHarness(t)
	alice := h.userSigner(aliceID)

	resp := h.do(alice, request{method: "POST", path: "/2/tweets", json: `{"text":"I just subscribed"}`})
	if resp.status != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	var got struct {
		Data struct {
			ID, Text string
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(resp.body), &got); err != nil {
		t.Fatal(err)
	}
	want := Tweet{At: h.clock.Now(), ID: got.Data.ID, AuthorID: aliceID, Text: "I just subscribed"}
	if got.Data.Text != want.Text || len(got.Data.ID) != 19 {
		t.Errorf("data = %+v", got.Data)
	}
	if tweets := h.sb.Tweets(); len(tweets) != 1 || tweets[0] != want {
		t.Errorf("tweets = %+v, want [%+v]", tweets, want)
	}

	t.Run("the same text again from the same user answers 403", func(t *testing.T) {
		resp := h.do(alice, request{method: "POST", path: "/2/tweets", json: `{"text":"I just subscribed"}`})
		if p := parseProblem(t, resp); resp.status != 403 || !strings.Contains(p.Detail, "duplicate content") {
			t.Errorf("got %d %+v", resp.status, p)
		}
	})
	t.Run("the same text from another user is accepted", func(t *testing.T) {
		resp := h.do(h.userSigner(bobID), request{method: "POST", path: "/2/tweets", json: `{"text":"I just subscribed"}`})
		if resp.status != http.StatusCreated {
			t.Errorf("got %d %s", resp.status, resp.body)
		}
	})
	t.Run("an empty text answers 400", func(t *testing.T) {
		resp := h.do(alice, request{method: "POST", path: "/2/tweets", json: `{"text":""}`})
		if p := parseProblem(t, resp); resp.status != 400 || p.Type != ProblemInvalidRequest {
			t.Errorf("got %d %+v", resp.status, p)
		}
	})
}

func TestV2RefusesBadCredentials(t *testing.T) {
	tests := []struct {
		name       string
		signer     func(h *harness) signer
		tamper     func(*http.Request)
		wantStatus int
		wantType   string
		wantReason string
	}{
		{name: "a revoked token answers 401",
			signer: func(h *harness) signer {
				s := h.userSigner(aliceID)
				h.sb.Revoke(aliceID)
				return s
			}, wantStatus: 401, wantType: "about:blank", wantReason: "revoked"},
		{name: "an unknown token answers 401",
			signer:     func(h *harness) signer { return h.signer().withToken(aliceID+"-made-up", "secret") },
			wantStatus: 401, wantType: "about:blank", wantReason: "unknown access token"},
		{name: "a token of an id that is not a user answers 401",
			signer:     func(h *harness) signer { return h.userSigner("42") },
			wantStatus: 401, wantType: "about:blank", wantReason: "not a sandbox user"},
		{name: "a signature with the wrong token secret answers 401",
			signer: func(h *harness) signer {
				s := h.userSigner(aliceID)
				s.tokenSecret = "wrong"
				return s
			}, wantStatus: 401, wantType: "about:blank", wantReason: "signature mismatch"},
		{name: "a stale timestamp answers 401",
			signer: func(h *harness) signer {
				s := h.userSigner(aliceID)
				s.now = func() time.Time { return h.clock.Now().Add(-10 * time.Minute) }
				return s
			}, wantStatus: 401, wantType: "about:blank", wantReason: "oauth_timestamp"},
		{name: "an app-only signature without a user token answers 401",
			signer:     func(h *harness) signer { return h.signer() },
			wantStatus: 401, wantType: "about:blank", wantReason: "no oauth_token"},
		{name: "no Authorization header answers 401",
			signer:     func(h *harness) signer { return h.userSigner(aliceID) },
			tamper:     func(r *http.Request) { r.Header.Del("Authorization") },
			wantStatus: 401, wantType: "about:blank", wantReason: "missing"},
		{name: "an app-only bearer token answers 403 unsupported authentication",
			signer:     func(h *harness) signer { return h.userSigner(aliceID) },
			tamper:     func(r *http.Request) { r.Header.Set("Authorization", "Bearer AAAA") },
			wantStatus: 403, wantType: ProblemUnsupportedAuthentication, wantReason: "bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			resp := h.do(tt.signer(h), request{method: "POST", path: "/2/tweets", json: `{"text":"hi"}`, tamper: tt.tamper})
			requireStatus(t, resp, tt.wantStatus)
			p := parseProblem(t, resp)
			if p.Type != tt.wantType || (tt.wantStatus == 401 && p.Title != "Unauthorized") {
				t.Errorf("problem %+v, want type %s", p, tt.wantType)
			}
			if resp.header.Get("x-rate-limit-limit") == "" {
				t.Error("a refused v2 call has no rate-limit headers")
			}
			if c := h.lastCall(); !strings.Contains(c.Error, tt.wantReason) {
				t.Errorf("recorded error %q, want it to mention %q", c.Error, tt.wantReason)
			}
			if len(h.sb.Tweets()) != 0 {
				t.Error("a refused call posted")
			}
		})
	}
}

func TestSigningInAgainAfterARevokeGivesAWorkingToken(t *testing.T) {
	h := newHarness(t)
	old := h.userSigner(aliceID)
	h.sb.Revoke(aliceID)
	access := h.signIn(aliceID)
	fresh := h.signer().withToken(access.Get("oauth_token"), access.Get("oauth_token_secret"))
	if resp := h.do(fresh, request{method: "GET", path: "/2/users/me"}); resp.status != 200 {
		t.Errorf("new token: %d %s", resp.status, resp.body)
	}
	if resp := h.do(old, request{method: "GET", path: "/2/users/me"}); resp.status != 401 {
		t.Errorf("revoked token: %d, want 401", resp.status)
	}
}

func TestV2CallsAreRecordedWithTheirBodyAndUser(t *testing.T) {
	h := newHarness(t)
	body := `{"text":"Welcome to the brand!"}`
	h.do(h.userSigner(brandID), request{method: "POST", path: dmPath(aliceID), json: body})
	want := Call{At: h.clock.Now(), Method: "POST", Path: dmPath(aliceID), Endpoint: EndpointDM, Status: 201, UserID: brandID, Body: body}
	if got := h.lastCall(); got != want {
		t.Errorf("recorded\n %+v\nwant\n %+v", got, want)
	}
	h.sb.ResetCalls()
	if calls := h.sb.Calls(); len(calls) != 0 {
		t.Errorf("after ResetCalls: %+v", calls)
	}
}

// X refuses a DM over 10,000 characters and a post over 280 weighted
// characters, before acting.
func TestTextsOverXsLimitsAreRefused(t *testing.T) {
	h := newHarness(t)
	brand := h.userSigner(brandID)
	long := strings.Repeat("é", 10001)
	resp := h.do(brand, request{method: "POST", path: "/2/dm_conversations/with/" + aliceID + "/messages", json: `{"text":"` + long + `"}`})
	if resp.status != http.StatusBadRequest || len(h.sb.DMs()) != 0 {
		t.Fatalf("a DM of 10,001 characters: %d, %d DMs", resp.status, len(h.sb.DMs()))
	}
	resp = h.do(brand, request{method: "POST", path: "/2/dm_conversations/with/" + aliceID + "/messages", json: `{"text":"` + long[2:] + `"}`})
	if resp.status != http.StatusCreated {
		t.Fatalf("a DM of 10,000 characters: %d", resp.status)
	}
	alice := h.userSigner(aliceID)
	resp = h.do(alice, request{method: "POST", path: "/2/tweets", json: `{"text":"` + strings.Repeat("登", 141) + `"}`})
	if resp.status != http.StatusBadRequest || len(h.sb.Tweets()) != 0 {
		t.Fatalf("a post weighing 282: %d, %d posts", resp.status, len(h.sb.Tweets()))
	}
	resp = h.do(alice, request{method: "POST", path: "/2/tweets", json: `{"text":"` + strings.Repeat("登", 140) + `"}`})
	if resp.status != http.StatusCreated {
		t.Fatalf("a post weighing 280: %d", resp.status)
	}
}
