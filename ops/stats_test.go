package ops

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// A week of sign-ups around a fixed now: its first and last instants, a
// user on each side of the window, the brand (never a sign-up), and a
// source that is markup.
func statsFixture(t *testing.T) (*stack, time.Time) {
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	s := newStack(t)
	s.put(t,
		user{uid: "101", name: "a", created: day(10, 8), source: "newsletter", cred: "oauth2", token: "a-access"}, // its work is not done yet
		user{uid: "102", name: "b", created: day(9, 1), source: "x_ads", unsubscribed: day(10, 2)},
		user{uid: "103", name: "c", created: day(9, 23), revoked: day(9, 23)},
		user{uid: "104", name: "d", created: time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC), unsubscribed: day(5, 12)},
		user{uid: "105", name: "e", created: day(4, 0), source: "newsletter"},
		user{uid: "106", name: "f", created: day(4, 0).Add(-time.Second), source: "podcast"},
		user{uid: "107", name: "g", created: day(6, 12), source: "<b>x</b>", reconnect: true},
		user{uid: "1900000000000000001", name: "brand", created: day(8, 9), brand: true, cred: "oauth2", token: "b-access", refresh: "b-refresh"},
	)
	return s, now
}

func TestStatsCountTheWindowsDaysBySource(t *testing.T) {
	s, now := statsFixture(t)
	st, err := s.Stats(context.Background(), 7, now, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Users != 7 || st.Subscribed != 5 || st.Revoked != 1 || st.Reconnect != 1 || st.HoldingTokens != 1 {
		t.Errorf("users %d subscribed %d revoked %d reconnect %d holding a token %d; want 7 5 1 1 1 (the brand's not counted)",
			st.Users, st.Subscribed, st.Revoked, st.Reconnect, st.HoldingTokens)
	}
	if want := []string{"newsletter", NoSource, "<b>x</b>", "x_ads"}; !slices.Equal(st.Sources, want) {
		t.Errorf("sources %q, want %q", st.Sources, want)
	}
	tests := []struct {
		day                         string
		signUps, unsubs, revocation int
		bySource                    map[string]int
	}{
		{"2026-03-04", 1, 0, 0, map[string]int{"newsletter": 1}},
		{"2026-03-05", 0, 1, 0, map[string]int{}},
		{"2026-03-06", 1, 0, 0, map[string]int{"<b>x</b>": 1}},
		{"2026-03-07", 0, 0, 0, map[string]int{}},
		{"2026-03-08", 0, 0, 0, map[string]int{}},
		{"2026-03-09", 2, 0, 1, map[string]int{"x_ads": 1, NoSource: 1}},
		{"2026-03-10", 1, 1, 0, map[string]int{"newsletter": 1}},
	}
	if len(st.Days) != len(tests) {
		t.Fatalf("%d days", len(st.Days))
	}
	for i, tt := range tests {
		t.Run("on "+tt.day, func(t *testing.T) {
			d := st.Days[i]
			if d.Date != tt.day || d.SignUps != tt.signUps || d.Unsubscribes != tt.unsubs || d.Revocations != tt.revocation || !sameCounts(d.BySource, tt.bySource) {
				t.Errorf("got %+v, want %+v", d, tt)
			}
		})
	}
	t.Run("the text table has a line per day and the totals", func(t *testing.T) {
		var out bytes.Buffer
		if err := st.WriteTable(&out, "local"); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2+1+7+1 {
			t.Fatalf("%d lines:\n%s", len(lines), out.String())
		}
		for _, want := range [][]string{
			{"day", "sign-ups", "utm_source=newsletter", "utm_source=(none)", "utm_source=<b>x</b>", "utm_source=x_ads", "unsubscribes", "revocations"},
			{"2026-03-09", "2", "0", "1", "0", "1", "0", "1"},
			{"total", "5", "2", "1", "1", "1", "2", "1"},
		} {
			if !slices.ContainsFunc(lines, func(l string) bool { return slices.Equal(strings.Fields(l), want) }) {
				t.Errorf("no line %q in\n%s", want, out.String())
			}
		}
	})
	t.Run("the html page is self-contained, escapes the sources and draws a bar per day and source", func(t *testing.T) {
		var out bytes.Buffer
		if err := st.WriteHTML(&out, "local", now); err != nil {
			t.Fatal(err)
		}
		page := out.String()
		for _, bad := range []string{"<script", "src=", "href=", "url(", "@import", "http:", "https:", "<b>x</b>"} {
			if strings.Contains(page, bad) {
				t.Errorf("the page holds %q", bad)
			}
		}
		if n := strings.Count(page, "<rect "); n != 5 {
			t.Errorf("%d bars, want 5", n)
		}
		for _, want := range []string{"<svg", "&lt;b&gt;x&lt;/b&gt;", "<title>2026-03-09: 1 sign-up(s), x_ads</title>"} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})
}

func sameCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// utm_source is free text from the public form: beyond MaxSources distinct
// values, new ones are counted together, and beyond TableSources the table
// and the chart sum the least frequent ones as "other".
func TestSourcesAreBounded(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	st := Stats{Days: []Day{{Date: "2026-03-10", BySource: map[string]int{}}}}
	index := map[string]*Day{"2026-03-10": &st.Days[0]}
	sources := map[string]int{}
	for i := range MaxSources + 5 {
		it := dynamo.Item{useritem.AttrCreatedAt: dynamo.Time(now), useritem.AttrAttribution: dynamo.StringMap(map[string]string{"utm_source": fmt.Sprint("s", i)})}
		st.count(it, index, sources)
	}
	if len(sources) != MaxSources+1 || sources[OtherSources] != 5 {
		t.Errorf("%d sources, %d in %s; want %d and 5", len(sources), sources[OtherSources], OtherSources, MaxSources+1)
	}
	st.Sources = sortedSources(sources)
	// Shown: (other) with 5, then four sources with one each.
	split := st.Split(st.Days[0])
	if want := MaxSources + 5 - 5 - 4; len(split) != TableSources+1 || split[0] != 5 || split[TableSources] != want {
		t.Errorf("split %v, want 5, 1, 1, 1, 1, %d", split, want)
	}
}
