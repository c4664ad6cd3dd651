package campaigns

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/clock"
	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xtext"
)

// Service runs promotional DM campaigns from the brand account. Build it
// once per cold start with every field set (nil Links: no footer; nil Now,
// Sleep: the clock and a timer); it is safe for concurrent use.
type Service struct {
	Catalog  Catalog
	Leases   Leases
	Audience Audience
	Users    actions.UserReader // the brand, whose token sends the DMs
	Revoker  actions.Revoker    // marks the brand revoked on a 401
	Tokens   actions.Tokens     // keeps the brand's OAuth 2.0 token usable; nil: never refreshed
	X        DMSender
	Gate     *xapi.Gate // X's windows, shared with the stream path
	Links    actions.Footer
	BrandUID string // FOLLOW_UID

	// Margin is kept free before the Lambda deadline: a run stops this long
	// before it, to save the cursor and the counts.
	Margin   time.Duration
	PageSize int32 // users per Scan page
	// Metrics go on each run's line (CampaignRuns, CampaignDMs*,
	// CampaignRemaining); nil: none.
	Metrics *metrics.Emitter
	// Count estimates the audience for CampaignRemaining, once per run;
	// nil: a run that is not done publishes no CampaignRemaining.
	Count UserCount
	// RejectStreak is how many recipients in a row X may refuse the DM to
	// with the same 4xx before the campaign stops (StopXRejectsText) rather
	// than mark the whole audience failed; 0: DefaultRejectStreak.
	RejectStreak int

	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRejectStreak is RejectStreak's default: few enough that a text X
// refuses costs few recipients their DM.
const DefaultRejectStreak = 10

// ForbiddenStreakFactor multiplies the streak for a 403: X's answer to
// each recipient who accepts no DMs from the brand is that same 403, and in
// an audience where half refuse DMs a run of 10 comes about every thousand
// recipients; a run of 50 (one in 2^50) means X refuses the brand's DMs.
const ForbiddenStreakFactor = 5

// rejectStreak is how many recipients in a row may get the same refusal of
// this status before the campaign stops.
func (s *Service) rejectStreak(status int) int {
	n := DefaultRejectStreak
	if s.RejectStreak > 0 {
		n = s.RejectStreak
	}
	if status == http.StatusForbidden {
		n *= ForbiddenStreakFactor
	}
	return n
}

// longestFooter is how many characters the unsubscribe line adds to a DM
// at most (the footer of the longest uid), 0 without links.
func (s *Service) longestFooter() int {
	if s.Links == nil {
		return 0
	}
	return xtext.DMLength(s.Links.Footer("", unsubscribe.LongestUID))
}

// checkText refuses a text that X would refuse in every DM: over X's limit
// once the longest unsubscribe line is appended. The error gives lengths.
func (s *Service) checkText(text string) error {
	n, footer := xtext.DMLength(text), s.longestFooter()
	if n+footer <= xtext.DMMaxLength {
		return nil
	}
	return fmt.Errorf("%w: it is %d characters, and with the unsubscribe line each DM gets (up to %d) a DM would be %d, over X's limit of %d: shorten it to %d characters at most",
		ErrTextTooLong, n, footer, n+footer, xtext.DMMaxLength, xtext.DMMaxLength-footer)
}

func (s *Service) now() time.Time { return clock.Now(s.Now) }

func (s *Service) sleep(ctx context.Context, d time.Duration) error {
	return clock.Sleep(ctx, s.Sleep, d)
}

// Request is a campaign invocation:
//
//	{"campaign":{"id":"launch-2026","text":"..."}}  create (or continue) and run
//	{"campaign":{"id":"launch-2026"}}               continue an existing campaign
//	{"campaign":{"resume":true}}                    continue every campaign that is not done (the schedule)
type Request struct {
	ID     string `json:"id,omitempty"`
	Text   string `json:"text,omitempty"`
	Resume bool   `json:"resume,omitempty"`
}

// Report is the answer of a campaign invocation.
type Report struct {
	Campaigns []Result `json:"campaigns"`
}

// Result is one campaign's state after a run, and what the run did.
type Result struct {
	ID          string     `json:"id"`
	Status      Status     `json:"status"`
	Stopped     Stop       `json:"stopped"`
	Sent        int64      `json:"sent"`
	Skipped     int64      `json:"skipped"`
	Failed      int64      `json:"failed"`
	Unknown     int64      `json:"unknown"`
	Cursor      string     `json:"cursor,omitempty"`
	ResumeAfter *time.Time `json:"resume_after,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	Run         RunCounts  `json:"this_run"`
}

// RunCounts are what one run did.
type RunCounts struct {
	Sent        int64         `json:"sent"`
	Skipped     int64         `json:"skipped"`
	Failed      int64         `json:"failed"`
	Unknown     int64         `json:"unknown"` // X answered 5xx or not at all: maybe delivered, never sent again
	XCalls      int64         `json:"x_calls"`
	RateLimited int64         `json:"x_429s"`
	Waited      time.Duration `json:"waited_ns"`
	Elapsed     time.Duration `json:"elapsed_ns"`
}

// Run runs one campaign (creating it when the text is given) or, with
// resume, every campaign that is not done, within the invocation's time.
func (s *Service) Run(ctx context.Context, log zerolog.Logger, req Request) (Report, error) {
	switch {
	case req.Resume && req.ID == "" && req.Text == "":
		return s.resume(ctx, log)
	case req.ID != "" && !req.Resume:
		var rep Report
		if req.Text != "" {
			if err := s.checkText(req.Text); err != nil {
				return rep, err
			}
			c, created, err := s.Catalog.Create(ctx, req.ID, req.Text, s.now())
			if err != nil {
				return rep, err
			}
			if created {
				log.Info().Str("campaign", c.ID).Int("text_chars", len([]rune(c.Text))).Msg("campaign created")
			}
		} else if _, err := s.Catalog.Get(ctx, req.ID); err != nil {
			return rep, fmt.Errorf("%w (give its text to create it)", err)
		}
		rep.Campaigns = append(rep.Campaigns, s.runOne(ctx, log, req.ID))
		return rep, nil
	}
	return Report{}, ErrBadRequest
}

// resume continues every campaign that is not done, oldest first, as long
// as the invocation has the time; a usage-capped campaign waits for an
// operator, a paused one for its window.
func (s *Service) resume(ctx context.Context, log zerolog.Logger) (Report, error) {
	var rep Report
	list, err := s.Catalog.Unfinished(ctx)
	if err != nil {
		return rep, err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].CreatedAt.Before(list[j].CreatedAt) })
	for _, c := range list {
		var skip Stop
		switch {
		case c.Status == StatusUsageCapped:
			skip = StopCapNeedsOperator
		case c.Status == StatusTextRejected:
			skip = StopXRejectsText
		case c.Status == StatusPausedRateLimited && c.ResumeAfter.After(s.now()):
			skip = StopWaiting
		case actions.TimeLeft(ctx) < 2*s.Margin:
			skip = StopDeadline
		}
		if skip != "" {
			rep.Campaigns = append(rep.Campaigns, summary(c, skip, RunCounts{}))
			continue
		}
		rep.Campaigns = append(rep.Campaigns, s.runOne(ctx, log, c.ID))
	}
	return rep, nil
}

func summary(c Campaign, stopped Stop, run RunCounts) Result {
	r := Result{ID: c.ID, Status: c.Status, Stopped: stopped, Sent: c.Sent, Skipped: c.Skipped, Failed: c.Failed,
		Unknown: c.Unknown, Cursor: c.Cursor, LastError: c.LastError.String(), Run: run}
	if !c.ResumeAfter.IsZero() {
		t := c.ResumeAfter
		r.ResumeAfter = &t
	}
	return r
}
