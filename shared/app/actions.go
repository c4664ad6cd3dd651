package app

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/users"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Timing of the actions function (900 s Lambda timeout): one call to X may
// take ActionsXCallTimeout; a 429 is waited for up to X's 15-minute window
// when the invocation still has the time; ActionsMargin is kept free before
// the deadline to record outcomes and save a campaign's cursor.
const (
	ActionsXCallTimeout = 5 * time.Second
	ActionsMargin       = 10 * time.Second
)

// Actions builds the twitter_actions handler: the stream path, campaigns and
// the unsubscribe page.
func (d *Deps) Actions() *actions.Handler {
	c := d.Config
	h := &actions.Handler{
		Users: users.New(d.DB, c.TwitterTable, d.Sealer),
		X: xapi.NewClient(xapi.ClientOptions{
			ConsumerKey:    c.ConsumerKey,
			ConsumerSecret: c.ConsumerSecret.Reveal(),
			BaseURL:        c.APIBaseURL,
			HTTPClient:     xapi.NewHTTPClient(ActionsXCallTimeout),
		}),
		Links:       d.UnsubscribeLinks(),
		Log:         d.Log,
		BrandUID:    c.FollowUID,
		FollowByAPI: c.FollowMode == config.FollowAPI,
		FollowMode:  string(c.FollowMode),
		WelcomeText: c.WelcomeDMText,
		TweetText:   c.OptInTweetText,
		Retry:       xapi.Retry{Attempts: 4, Backoff: time.Second, MaxWait: 15 * time.Minute, Margin: ActionsMargin, Writes: true},
		Margin:      ActionsMargin,
	}
	if c.CampaignsTable != "" {
		h.Campaigns = campaigns.New(d.DB, c.CampaignsTable)
	}
	return h
}

// UnsubscribeLinks signs the links of the DM footers, on the host of
// TWITTER_CALLBACK_URL, with LINK_SIGNING_KEY. Links signed earlier verify
// too: under LINK_SIGNING_OLD_KEYS, and under the keys that the first scheme
// derived from the token encryption keys still configured.
func (d *Deps) UnsubscribeLinks() *actions.Links {
	c := d.Config
	verify := append([][]byte(nil), c.LinkOldKeys...)
	for _, k := range c.EncryptionKeys {
		verify = append(verify, actions.LegacyLinkKey(k))
	}
	return actions.NewLinks(actions.BaseFromCallback(c.CallbackURL), c.LinkKey[0], verify...)
}

// Unsubscribe builds the handler of GET/POST /api/unsubscribe.
func (d *Deps) Unsubscribe() *actions.UnsubscribePage {
	return &actions.UnsubscribePage{
		Links: d.UnsubscribeLinks(),
		Users: users.New(d.DB, d.Config.TwitterTable, d.Sealer),
		Log:   d.Log,
	}
}

// CallbackRoutes is the twitter_callback function's handler when it serves
// the unsubscribe link too (serverless.yml routes /api/unsubscribe to it):
// the unsubscribe route goes to the unsubscribe page, everything else to
// the sign-in callback.
func (d *Deps) CallbackRoutes() func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	callback, unsubscribe := d.SignIn().Callback, d.Unsubscribe().Handle
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if req.RawPath == actions.UnsubscribePath || strings.HasSuffix(req.RouteKey, " "+actions.UnsubscribePath) {
			return unsubscribe(ctx, req)
		}
		return callback(ctx, req)
	}
}
