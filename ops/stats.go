package ops

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// NoSource names the sign-ups without a utm_source, OtherSources those of
// the sources beyond MaxSources (utm_source is free text from the form: the
// count of distinct values is bounded here, not by the visitors).
const (
	NoSource     = "(none)"
	OtherSources = "(other)"
	MaxSources   = 1000
)

// Stats are the users table's activity over the last days, by UTC day.
type Stats struct {
	From, To   time.Time // the first day's midnight and the moment of the count (UTC)
	Days       []Day     // oldest first, one per day of the window, empty days included
	Sources    []string  // utm_source of the first sign-in, most sign-ups first
	Users      int       // every user item but the brand's, whenever they signed up
	Subscribed int       // of them, still subscribed
	Revoked    int       // of them, whose token X refused (until they sign in again)
	Reconnect  int       // of them, whose OAuth 2.0 grant is lost (until they sign in again)
	// HoldingTokens: of them, whose item still holds credentials: a
	// visitor's token is removed once their work is done, and the sweep
	// removes any left within a day (tokens stored by earlier versions too).
	HoldingTokens int
}

// Day is one UTC day's counts.
type Day struct {
	Date         string         // 2006-01-02
	SignUps      int            // first sign-ins
	BySource     map[string]int // sign-ups by utm_source
	Unsubscribes int            // first unsubscribes (unsubscribed_at)
	Revocations  int            // tokens X refused (revoked_at; cleared by a new sign-in)
}

// Total sums the window's days.
func (s Stats) Total() Day {
	t := Day{BySource: map[string]int{}}
	for _, d := range s.Days {
		t.SignUps += d.SignUps
		t.Unsubscribes += d.Unsubscribes
		t.Revocations += d.Revocations
		for k, v := range d.BySource {
			t.BySource[k] += v
		}
	}
	return t
}

// statsAttrs are all stats reads of a user: no name, no token.
// The sealed token is read only for its presence.
var statsAttrs = []string{useritem.AttrToken, useritem.AttrCreatedAt, useritem.AttrAttribution, useritem.AttrUnsubscribedAt,
	useritem.AttrRevokedAt, useritem.AttrSubscribed, useritem.AttrRevoked, useritem.AttrReconnect, useritem.AttrBrand}

// Stats counts the last days days (today, UTC, is the last) in one Scan.
// The brand's own item is not a sign-up and is not counted.
func (t *Target) Stats(ctx context.Context, days int, now time.Time, pageSize int32, p *Progress) (Stats, error) {
	if days < 1 || days > 3660 {
		return Stats{}, fmt.Errorf("DAYS=%d: want 1 to 3660", days)
	}
	now = now.UTC()
	s := Stats{To: now, From: time.Date(now.Year(), now.Month(), now.Day()-days+1, 0, 0, 0, 0, time.UTC)}
	index := map[string]*Day{}
	s.Days = make([]Day, days)
	for i := range s.Days {
		d := &s.Days[i]
		d.Date, d.BySource = s.From.AddDate(0, 0, i).Format(time.DateOnly), map[string]int{}
		index[d.Date] = d
	}
	var e dynamo.Expr
	proj := make([]string, len(statsAttrs))
	for i, a := range statsAttrs {
		proj[i] = e.Name(a)
	}
	sources := map[string]int{}
	err := t.scan(ctx, t.UsersTable, e.Scan("", "", strings.Join(proj, ", ")), pageSize, p, func(items []dynamo.Item) error {
		for _, it := range items {
			s.count(it, index, sources)
		}
		return nil
	})
	s.Sources = sortedSources(sources)
	return s, err
}

func (s *Stats) count(it dynamo.Item, index map[string]*Day, sources map[string]int) {
	if dynamo.GetBool(it, useritem.AttrBrand) {
		return
	}
	s.Users++
	for _, c := range []struct {
		on bool
		n  *int
	}{{dynamo.GetBool(it, useritem.AttrSubscribed), &s.Subscribed}, {dynamo.GetBool(it, useritem.AttrRevoked), &s.Revoked}, {dynamo.GetBool(it, useritem.AttrReconnect), &s.Reconnect}} {
		if c.on {
			*c.n++
		}
	}
	if tok, _ := dynamo.GetS(it, useritem.AttrToken); tok != "" {
		s.HoldingTokens++
	}
	if d := dayOf(it, useritem.AttrCreatedAt, index); d != nil {
		src := dynamo.GetStringMap(it, useritem.AttrAttribution)["utm_source"]
		if src == "" {
			src = NoSource
		} else if _, known := sources[src]; !known && len(sources) >= MaxSources {
			src = OtherSources
		}
		d.SignUps++
		d.BySource[src]++
		sources[src]++
	}
	if d := dayOf(it, useritem.AttrUnsubscribedAt, index); d != nil {
		d.Unsubscribes++
	}
	if d := dayOf(it, useritem.AttrRevokedAt, index); d != nil {
		d.Revocations++
	}
}

// dayOf is the day of the window that the time attr falls on; nil outside
// the window (or without the attribute).
func dayOf(it dynamo.Item, attr string, index map[string]*Day) *Day {
	v, ok := dynamo.GetS(it, attr)
	if !ok {
		return nil
	}
	tm, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil
	}
	return index[tm.UTC().Format(time.DateOnly)]
}

func sortedSources(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// TableSources is how many sources get a column of their own in the text
// table and a colour in the chart; the others are summed as "other".
const TableSources = 5

// columns are the sources shown one by one, and whether an "other" column
// sums the rest.
func (s Stats) columns() (shown []string, other bool) {
	if len(s.Sources) <= TableSources+1 {
		return s.Sources, false
	}
	return s.Sources[:TableSources], true
}

// Split is a day's sign-ups in the columns' order, "other" last.
func (s Stats) Split(d Day) []int {
	shown, other := s.columns()
	out := make([]int, 0, len(shown)+1)
	sum := 0
	for _, src := range shown {
		out = append(out, d.BySource[src])
		sum += d.BySource[src]
	}
	if other {
		out = append(out, d.SignUps-sum)
	}
	return out
}

// WriteTable writes the stats as a text table, a line per day.
func (s Stats) WriteTable(w io.Writer, stage string) error {
	fmt.Fprintf(w, "stage %s, %s to %s (UTC), %d days: %d users (the brand not counted), %d subscribed, %d revoked, %d to reconnect, %d holding a token\n\n",
		stage, s.From.Format(time.DateOnly), s.To.Format(time.DateOnly), len(s.Days), s.Users, s.Subscribed, s.Revoked, s.Reconnect, s.HoldingTokens)
	shown, other := s.columns()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"day", "sign-ups"}
	for _, src := range shown {
		head = append(head, "utm_source="+short(src))
	}
	if other {
		head = append(head, "other sources")
	}
	fmt.Fprintln(tw, strings.Join(append(head, "unsubscribes", "revocations"), "\t")+"\t")
	line := func(label string, d Day) {
		cells := []string{label, fmt.Sprint(d.SignUps)}
		for _, n := range s.Split(d) {
			cells = append(cells, fmt.Sprint(n))
		}
		fmt.Fprintln(tw, strings.Join(append(cells, fmt.Sprint(d.Unsubscribes), fmt.Sprint(d.Revocations)), "\t")+"\t")
	}
	for _, d := range s.Days {
		line(d.Date, d)
	}
	line("total", s.Total())
	return tw.Flush()
}

// short cuts a source (up to 200 characters of the form's utm_source) for a
// column's head.
func short(src string) string {
	if r := []rune(src); len(r) > 24 {
		return string(r[:23]) + "…"
	}
	return src
}
