package ops

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

var t0 = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

// The users of the export tests: ids beyond 2^53, both kinds of
// credentials, a revoked, an unsubscribed and a reconnecting user, and a
// utm value a spreadsheet would run as a formula.
func exportUsers() []user {
	return []user{
		{uid: "1234567890123456789", name: "alice", cred: "oauth2", token: "alice-access-SECRET", refresh: "alice-refresh-SECRET",
			created: t0, last: t0.Add(48 * time.Hour), source: "newsletter", reconnect: true, welcome: "done"},
		{uid: "9007199254740993", name: "bob", token: "bob-token-SECRET", secret: "bob-secret-SECRET",
			created: t0.Add(time.Hour), source: "=HYPERLINK(\"http://evil\")", unsubscribed: t0.Add(2 * time.Hour), welcome: "failed"},
		{uid: "1400000000000000003", name: "carol", cred: "oauth1", token: "carol-token-SECRET", secret: "carol-secret-SECRET",
			created: t0.Add(3 * time.Hour), revoked: t0.Add(4 * time.Hour)},
	}
}

// The secrets the export must never carry, in clear or sealed.
func forbidden(t *testing.T, s *stack) []string {
	var out []string
	for _, it := range s.scanAll(t) {
		for _, a := range []string{useritem.AttrToken, useritem.AttrSecret, useritem.AttrRefresh} {
			if v, ok := dynamo.GetS(it, a); ok {
				out = append(out, v)
			}
		}
	}
	return append(out, "SECRET", "token_expires_at")
}

func TestEveryUserIsOneRowWithNoTokenInEitherFormat(t *testing.T) {
	s := newStack(t)
	s.put(t, exportUsers()...)
	bad := forbidden(t, s)
	if len(bad) < 8 {
		t.Fatalf("the fixture holds %d sealed values, want 7 and more", len(bad))
	}

	t.Run("csv has a header and a row per user, ids exact, formulas made inert", func(t *testing.T) {
		var out bytes.Buffer
		n, err := s.Subscribers(context.Background(), &out, FormatCSV, DefaultPageSize, nil)
		if err != nil || n != 3 {
			t.Fatalf("Subscribers = %d, %v", n, err)
		}
		noneOf(t, out.String(), bad)
		recs, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(recs[0], CSVHeader()) || len(recs) != 4 {
			t.Fatalf("header %v, %d records", recs[0], len(recs))
		}
		byUID := map[string]map[string]string{}
		for _, r := range recs[1:] {
			m := map[string]string{}
			for i, h := range recs[0] {
				m[h] = r[i]
			}
			byUID[m["uid"]] = m
		}
		want := map[string]map[string]string{
			"1234567890123456789": {"screen_name": "alice", "cred": "oauth2", "reconnect": "true", "subscribed": "true", "a_welcome": "done",
				"first_utm_source": "newsletter", "first_utm_medium": "social", "first_sign_in": "2026-03-01T09:30:00.000Z", "last_sign_in": "2026-03-03T09:30:00.000Z"},
			"9007199254740993": {"cred": "oauth1", "subscribed": "false", "unsubscribed_at": "2026-03-01T11:30:00.000Z", "a_welcome": "failed",
				"first_utm_source": `'=HYPERLINK("http://evil")`},
			"1400000000000000003": {"revoked": "true", "revoked_at": "2026-03-01T13:30:00.000Z", "a_welcome": ""},
		}
		for uid, fields := range want {
			for k, v := range fields {
				if got := byUID[uid][k]; got != v {
					t.Errorf("%s %s = %q, want %q", uid, k, got, v)
				}
			}
		}
	})
	t.Run("json is one object per line with the uid as an exact string", func(t *testing.T) {
		var out bytes.Buffer
		if _, err := s.Subscribers(context.Background(), &out, FormatJSON, 2, nil); err != nil {
			t.Fatal(err)
		}
		noneOf(t, out.String(), bad)
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 3 {
			t.Fatalf("%d lines", len(lines))
		}
		var uids []string
		for _, l := range lines {
			var r map[string]any
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			uid, ok := r["uid"].(string)
			if !ok {
				t.Fatalf("uid is %T, want a string", r["uid"])
			}
			uids = append(uids, uid)
			if uid == "1234567890123456789" && (r["cred"] != "oauth2" || r["actions"].(map[string]any)["welcome"].(map[string]any)["state"] != "done") {
				t.Errorf("alice: %s", l)
			}
		}
		slices.Sort(uids)
		if !slices.Equal(uids, []string{"1234567890123456789", "1400000000000000003", "9007199254740993"}) {
			t.Errorf("uids %v", uids)
		}
	})
	t.Run("a user stored before OAuth 2.0 holds OAuth 1.0a credentials", func(t *testing.T) {
		if got := rowOf(s.item(t, exportUsers()[1])).Cred; got != string(signin.KindOAuth1) {
			t.Errorf("cred = %q", got)
		}
	})
}

func noneOf(t *testing.T, out string, bad []string) {
	t.Helper()
	for _, b := range bad {
		if b != "" && strings.Contains(out, b) {
			t.Errorf("the export holds %q", b)
		}
	}
}

// The export holds one page at a time, written out before the next is
// read: the live heap while a 3,000-user
// table is written (measured after a GC at every page) is no larger than
// while a 100-user one is, give or take what the runtime itself moves.
// Rows kept by mistake would cost some 300 bytes each: 900 KB here.
func TestTheExportsMemoryDoesNotGrowWithTheTable(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 3,100 items")
	}
	small, large := newStack(t), newStack(t)
	small.putMany(t, 100, t0)
	large.putMany(t, 3000, t0)
	peak := func(s *stack, f Format) (int, uint64) {
		out := &lineCounter{}
		probe := &heapProbe{t: t, out: out, header: f == FormatCSV}
		n, err := s.Subscribers(context.Background(), out, f, 50, &Progress{W: probe, Every: 50})
		if err != nil {
			t.Fatal(err)
		}
		return n, probe.max
	}
	for _, f := range []Format{FormatCSV, FormatJSON} {
		t.Run(string(f), func(t *testing.T) {
			nSmall, heapSmall := peak(small, f)
			nLarge, heapLarge := peak(large, f)
			t.Logf("%s: %d rows: peak live heap %d KB; %d rows: %d KB", f, nSmall, heapSmall>>10, nLarge, heapLarge>>10)
			if nSmall != 100 || nLarge != 3000 {
				t.Fatalf("rows %d and %d", nSmall, nLarge)
			}
			if heapLarge > heapSmall+256<<10 {
				t.Errorf("30 times the rows took %d KB more live heap: the export keeps rows", (heapLarge-heapSmall)>>10)
			}
		})
	}
}

// heapProbe is the progress line's writer: at each line (one per page) it
// checks that every row read so far is already written out, collects
// garbage and records the live heap.
type heapProbe struct {
	t      *testing.T
	out    *lineCounter
	header bool
	max    uint64
}

func (h *heapProbe) Write(p []byte) (int, error) {
	var read int
	if _, err := fmt.Sscanf(string(p), "%d users read", &read); err != nil {
		h.t.Errorf("progress line %q: %v", p, err)
	}
	if want := read + btoi(h.header); h.out.lines != want {
		h.t.Errorf("after %d users read, %d lines written out, want %d", read, h.out.lines, want)
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.max = max(h.max, m.HeapAlloc)
	return len(p), nil
}

// lineCounter is the export's output: it counts lines and keeps nothing.
type lineCounter struct{ lines int }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
