package campaigns

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/twitter-sessions/twitter-sessions/shared/reason"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Status is where a campaign stands.
type Status string

// Campaign statuses.
const (
	// StatusRunning: more subscribers to go; the next run (manual or the
	// schedule) continues from the cursor.
	StatusRunning Status = "running"
	// StatusPausedRateLimited: X's DM window is used up until ResumeAfter;
	// runs before then do nothing.
	StatusPausedRateLimited Status = "paused_rate_limited"
	// StatusUsageCapped: X answered a usage-capped 429 (the app's monthly or
	// paid usage is exhausted). The schedule leaves it alone; an operator
	// resumes it by running the campaign again once the cap is raised.
	StatusUsageCapped Status = "usage_capped"
	// StatusDone: every subscriber was handled.
	StatusDone Status = "done"
	// StatusBrandReconnect: the brand's OAuth 2.0 grant is lost (its user
	// item is marked reconnect): paused until the brand signs in again;
	// then the next run (the schedule, or one by id) resumes it.
	StatusBrandReconnect Status = "brand_reconnect"
	// StatusTextRejected: X refuses the campaign's text (StopXRejectsText).
	// The schedule leaves it alone; a run by id tries again (a refusal that
	// was not the text's), and a text too long is refused again at once:
	// send it as a new campaign with a shorter text.
	StatusTextRejected Status = "text_rejected"
)

// Campaign is one campaign's record.
type Campaign struct {
	ID          string
	Text        string
	Status      Status
	Cursor      string // uid after which the next run continues; "" = the start
	Sent        int64
	Skipped     int64
	Failed      int64
	Unknown     int64 // DMs X may or may not have delivered (it answered 5xx, or no answer came)
	Runs        int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ResumeAfter time.Time   // when paused_rate_limited: X's window reset
	LastError   reason.Code // a Stop, an actions.Reason or an xapi.Reason
}

// Handled is how many users the campaign has dealt with so far.
func (c Campaign) Handled() int64 { return c.Sent + c.Skipped + c.Failed + c.Unknown }

// MaxTextLength is X's limit for a DM's text, in characters.
const MaxTextLength = 10000

// Errors of the campaigns and their store.
var (
	ErrNotFound         = errors.New("campaigns: no such campaign")
	ErrBadID            = errors.New("campaigns: a campaign id is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	ErrBadText          = fmt.Errorf("campaigns: the text must be 1-%d characters", MaxTextLength)
	ErrTextTooLong      = errors.New("campaigns: the text is too long for X with the unsubscribe line")
	ErrTextMismatch     = errors.New("campaigns: a campaign with this id exists with another text; choose a new id")
	ErrBusy             = errors.New("campaigns: another run holds the campaign")
	ErrLeaseLost        = errors.New("campaigns: the run's lease was taken over")
	ErrStoreUnavailable = errors.New("campaigns: store unavailable")
	ErrBadRequest       = errors.New(`campaigns: a campaign invocation is {"campaign":{"id":"...","text":"..."}}, {"campaign":{"id":"..."}} or {"campaign":{"resume":true}}`)
)

var idRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Validate checks an id and a text before anything is written.
func Validate(id, text string) error {
	if !idRe.MatchString(id) {
		return ErrBadID
	}
	if n := utf8.RuneCountInString(text); text == "" || n > MaxTextLength || !utf8.ValidString(text) {
		return ErrBadText
	}
	return nil
}

// Recipient is a user as a campaign sees them.
type Recipient struct {
	UID        string
	Subscribed bool
	Revoked    bool
	Reconnect  bool // the user's OAuth 2.0 grant is lost: skipped like a revoked user
	Brand      bool
	Campaigns  []string // the campaigns the user is marked for (campaigns_sent)
}

// HasCampaign reports whether the user is already marked for campaign id.
func (r Recipient) HasCampaign(id string) bool { return slices.Contains(r.Campaigns, id) }

// The interfaces a campaign run needs of the tables (shared/campaignstore
// and shared/actionstore implement them).
type (
	// Catalog creates and reads campaigns. Create returns the existing
	// campaign (created false) for a known id with the same text, and
	// ErrTextMismatch for another text.
	Catalog interface {
		Create(ctx context.Context, id, text string, now time.Time) (Campaign, bool, error)
		Get(ctx context.Context, id string) (Campaign, error)
		Unfinished(ctx context.Context) ([]Campaign, error)
	}
	// Leases lets one run at a time work on a campaign: Acquire takes the
	// lease until until (ErrBusy while another live run holds it); Save
	// writes the progress while owner holds it (ErrLeaseLost otherwise),
	// ending it with release.
	Leases interface {
		Acquire(ctx context.Context, id, owner string, now, until time.Time) (Campaign, error)
		Save(ctx context.Context, c Campaign, owner string, now time.Time, release bool) error
	}
	// Audience walks the subscribers from a uid cursor, and marks a user
	// for a campaign before the DM (false: not eligible any more) or, when X
	// certainly did not send it, unmarks them.
	Audience interface {
		ScanRecipients(ctx context.Context, after string, limit int32) (rs []Recipient, more bool, err error)
		MarkCampaign(ctx context.Context, uid, id string, now time.Time) (bool, error)
		UnmarkCampaign(ctx context.Context, uid, id string) error
	}
	// UserCount estimates how many users the users table holds without
	// reading them: DynamoDB's approximate item count (DescribeTable's
	// ItemCount, refreshed about every six hours; the brand and the
	// unsubscribed included).
	UserCount interface {
		ApproxUsers(ctx context.Context) (int64, error)
	}
	// DMSender sends one DM with one request.
	DMSender interface {
		SendDM(ctx context.Context, c signin.Credentials, recipientID, text string) (xapi.DMResult, error)
	}
)
