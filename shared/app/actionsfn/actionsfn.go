package actionsfn

import (
	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/actionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/campaignstore"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/dispatch"
	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// pageSize is how many users one Scan page reads (campaigns, the release of
// waiting welcome DMs, the sweep).
const pageSize = 100

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
	links := unsubscribe.ForStage(c.CallbackURL, c.LinkKey[0], c.LinkOldKeys, c.EncryptionKeys)
	h := &dispatch.Handler{
		Stream: &actions.Service{
			Users: users, Claims: users, Revoker: users, Requeue: users, Sending: users,
			X: x, Gate: gate, Links: links, BrandUID: c.FollowUID,
			FollowByAPI: c.FollowMode == config.FollowAPI,
			FollowMode:  string(c.FollowMode),
			WelcomeText: c.WelcomeDMText,
			TweetText:   c.OptInTweetText,
			Retry:       t.Retry(true),
			Margin:      t.Margin,
			Stale:       t.Lambda,
			PageSize:    pageSize,
		},
		Log:          d.Log,
		RecordBudget: t.RecordBudget,
	}
	if c.CampaignsTable != "" {
		store := campaignstore.New(d.DB, c.CampaignsTable)
		h.Campaigns = &campaigns.Service{
			Catalog: store, Leases: store, Audience: users, Users: users, Revoker: users,
			X: x, Gate: gate, Links: links, BrandUID: c.FollowUID,
			Margin:   t.Margin,
			PageSize: pageSize,
		}
	}
	return h
}
