package ops

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// Format is how make subscribers writes its rows.
type Format string

// The export formats.
const (
	// FormatCSV is one header line, then one line per user (RFC 4180).
	FormatCSV Format = "csv"
	// FormatJSON is JSON Lines: one JSON object (a Row) per line, no
	// enclosing array, so that every line stands alone (jq, a streaming
	// reader) and nothing has to be held to close a bracket.
	FormatJSON Format = "json"
)

// ParseFormat reads FORMAT ("" is csv).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "", FormatCSV:
		return FormatCSV, nil
	case FormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("FORMAT=%s: want csv or json", s)
}

// Subscribers writes every user of the users table to w, one row each, as
// the paginated Scan reads them: each page is written and flushed before
// the next is asked for, so memory holds one page whatever the table's
// size. It returns the rows written.
func (t *Target) Subscribers(ctx context.Context, w io.Writer, f Format, pageSize int32, p *Progress) (int, error) {
	out := newRowWriter(w, f)
	if err := out.header(); err != nil {
		return 0, err
	}
	n := 0
	err := t.scan(ctx, t.UsersTable, rowScan(), pageSize, p, func(items []dynamo.Item) error {
		for _, it := range items {
			if err := out.row(rowOf(it)); err != nil {
				return err
			}
			n++
		}
		return out.flush()
	})
	return n, err
}

// rowWriter writes rows in one format.
type rowWriter interface {
	header() error
	row(Row) error
	flush() error
}

func newRowWriter(w io.Writer, f Format) rowWriter {
	if f == FormatJSON {
		b := bufio.NewWriter(w)
		return &jsonLines{b: b, enc: json.NewEncoder(b)}
	}
	return &csvRows{w: csv.NewWriter(w)}
}

type jsonLines struct {
	b   *bufio.Writer
	enc *json.Encoder
}

func (j *jsonLines) header() error   { return nil }
func (j *jsonLines) row(r Row) error { return j.enc.Encode(r) } // Encode ends each value with a newline
func (j *jsonLines) flush() error    { return j.b.Flush() }

type csvRows struct {
	w   *csv.Writer
	rec []string // reused for every row
}

// CSVHeader is the CSV's first line: the Row's fields, an action's state
// and reason per action, and each utm_* field of the first and of the
// latest sign-in.
func CSVHeader() []string {
	h := []string{"uid", "screen_name", "first_sign_in", "last_sign_in", "sign_ins", "subscribed", "unsubscribed_at",
		"revoked", "revoked_at", "holds_token", "cred", "reconnect", "reconnect_at", "brand", "follow", "tweet"}
	for _, a := range useritem.Order {
		h = append(h, a.Attr(), a.Attr()+"_reason")
	}
	for _, prefix := range []string{"first_", "last_"} {
		for _, k := range UTMKeys {
			h = append(h, prefix+k)
		}
	}
	return append(h, "campaigns_sent")
}

func (c *csvRows) header() error { return c.w.Write(CSVHeader()) }

func (c *csvRows) row(r Row) error {
	b := strconv.FormatBool
	rec := append(c.rec[:0], r.UID, r.ScreenName, r.FirstSignIn, r.LastSignIn, strconv.FormatInt(r.SignIns, 10),
		b(r.Subscribed), r.UnsubscribedAt, b(r.Revoked), r.RevokedAt, b(r.HoldsToken), r.Cred, b(r.Reconnect), r.ReconnectAt,
		b(r.Brand), b(r.Follow), b(r.Tweet))
	for _, a := range useritem.Order {
		s := r.Actions[string(a)]
		rec = append(rec, s.State, s.Reason)
	}
	for _, m := range []map[string]string{r.FirstAttribution, r.LastAttribution} {
		for _, k := range UTMKeys {
			rec = append(rec, m[k])
		}
	}
	rec = append(rec, strings.Join(r.CampaignsSent, " "))
	for i, v := range rec {
		rec[i] = inertCell(v)
	}
	c.rec = rec
	return c.w.Write(rec)
}

func (c *csvRows) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// inertCell keeps a spreadsheet from reading a cell as a formula: the utm_*
// values come from the public form. A cell starting with = + - @ or a tab
// or carriage return gets a leading apostrophe (OWASP's advice for CSV
// injection); ids, times and states never start so.
func inertCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
