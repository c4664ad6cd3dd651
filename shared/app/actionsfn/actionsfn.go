package actionsfn

import (
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/actionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/campaignstore"
	"github.com/twitter-sessions/twitter-sessions/shared/dispatch"
	"github.com/twitter-sessions/twitter-sessions/shared/grants"
	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
)

// pageSize is how many users one Scan page reads (campaigns, the release of
// waiting welcome DMs, the sweep).
const pageSize = 100

// How a token refresh spends its time. The lease covers the call to X (the
// row's XCall, the HTTP client's timeout) and the writes after it (each
// within refreshWrite, the DynamoDB client's attempts included) with room
// to spare, so that a live holder never loses it; a waiter polls the item
// for about one call to X.
const (
	refreshWrite = 5 * time.Second
	refreshPoll  = 100 * time.Millisecond
)

// newTokens is the refresh of OAuth 2.0 tokens for timing t, with X's token
// endpoint when the stage has an OAuth 2.0 client (TWITTER_CLIENT_ID).
func newTokens(d *boot.Deps, t boot.Timing, store tokens.Store) *tokens.Service {
	c := d.Config
	svc := &tokens.Service{
		Store:        store,
		Lease:        t.XCall + 2*refreshWrite,
		Wait:         t.XCall + time.Second,
		Poll:         refreshPoll,
		Retry:        t.Retry(true),
		WriteTimeout: refreshWrite,
	}
	if c.ClientID != "" {
		svc.X = xoauth2.NewClient(xoauth2.Options{
			ClientID:     c.ClientID,
			ClientSecret: c.ClientSecret.Reveal(),
			BaseURL:      c.APIBaseURL,
			HTTPClient:   xapi.NewHTTPClient(t.XCall),
		})
	}
	return svc
}

// TwitterActions is twitter_actions' handler (boot.Run).
func TwitterActions(d *boot.Deps) any { return New(d, boot.TwitterActions).Handle }

// New builds the twitter_actions handler.
func New(d *boot.Deps, t boot.Timing) *dispatch.Handler {
	c := d.Config
	users := actionstore.New(d.DB, c.TwitterTable, d.Sealer)
	x := xapi.NewClient(xapi.ClientOptions{
		ConsumerKey:    c.ConsumerKey,
		ConsumerSecret: c.ConsumerSecret.Reveal(),
		BaseURL:        c.APIBaseURL,
		HTTPClient:     xapi.NewHTTPClient(t.XCall),
	})
	gate := xapi.NewGate()
	toks := newTokens(d, t, users)
	emf := metrics.New(c.Stage, nil)
	links := d.Links
	h := &dispatch.Handler{
		Stream: &actions.Service{
			Users: users, Claims: users, Revoker: users, Requeue: users, Sending: users,
			Credentials: users, Grants: grants.ForStage(c, xapi.NewHTTPClient(t.XCall)),
			X: x, Tokens: toks, Gate: gate, Links: links, BrandUID: c.FollowUID,
			FollowMode:  c.FollowMode,
			WelcomeText: c.WelcomeDMText,
			TweetText:   c.OptInTweetText,
			Retry:       t.Retry(true),
			Margin:      t.Margin,
			Stale:       t.Lambda,
			PageSize:    pageSize,
			Metrics:     emf,
		},
		Log:          d.Log,
		RecordBudget: t.RecordBudget,
	}
	if c.CampaignsTable != "" {
		store := campaignstore.New(d.DB, c.CampaignsTable)
		h.Campaigns = &campaigns.Service{
			Catalog: store, Leases: store, Audience: users, Users: users, Revoker: users, Count: users,
			X: x, Tokens: toks, Gate: gate, Links: links, BrandUID: c.FollowUID,
			Margin:   t.Margin,
			PageSize: pageSize,
			Metrics:  emf,
		}
	}
	return h
}
