package xapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/dghubble/oauth1"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// Endpoint names, as the sandbox and Error.Step call them.
const (
	StepFollow = "follow"
	StepDM     = "dm"
	StepTweet  = "tweet"
)

// ClientOptions configure a Client.
type ClientOptions struct {
	// ConsumerKey and ConsumerSecret sign OAuth 1.0a users' calls; empty on
	// a stage without the OAuth 1.0a app (ErrNoOAuth1App).
	ConsumerKey    string
	ConsumerSecret string
	BaseURL        *url.URL      // https://api.x.com, or the sandbox; /2/* lives under it
	HTTPClient     *http.Client  // required (NewHTTPClient): its Timeout bounds one call
	Noncer         oauth1.Noncer // nil: 32 random bytes per request
}

// Client calls X API v2 on behalf of a user: OAuth 1.0a user context (RFC
// 5849 section 3) or an OAuth 2.0 user access token (signin.Credentials.OAuth2(),
// RFC 6750). Every method makes exactly one request: the caller owns the
// retry policy, because only it knows whether a write may be repeated. Build
// it once; it is safe for concurrent use.
type Client struct {
	cfg  oauth1.Config
	base string
	http *http.Client
}

// NewClient returns a client for one X app.
func NewClient(o ClientOptions) *Client {
	noncer := o.Noncer
	if noncer == nil {
		// Set here rather than left to dghubble, which fills in a nil Noncer
		// on the shared Config at every request (a data race).
		noncer = oauth1.Base64Noncer{}
	}
	return &Client{
		cfg:  oauth1.Config{ConsumerKey: o.ConsumerKey, ConsumerSecret: o.ConsumerSecret, Noncer: noncer},
		base: strings.TrimRight(o.BaseURL.String(), "/"),
		http: o.HTTPClient,
	}
}

// FollowResult is X's answer to a follow.
type FollowResult struct {
	Following     bool
	PendingFollow bool // the target is protected: a follow request awaits its approval
	Limit         RateLimit
}

// DMResult is X's answer to a Direct Message.
type DMResult struct {
	ConversationID string
	EventID        string
	Limit          RateLimit
}

// TweetResult is X's answer to a post.
type TweetResult struct {
	ID    string
	Limit RateLimit
}

// answer is the data of X's answer to any of the three writes.
type answer struct {
	Data struct {
		Following      bool   `json:"following"`
		PendingFollow  bool   `json:"pending_follow"`
		ConversationID string `json:"dm_conversation_id"`
		EventID        string `json:"dm_event_id"`
		ID             string `json:"id"`
	} `json:"data"`
}

// Follow makes userID follow targetID: POST /2/users/:id/following with
// {"target_user_id"}. userID must be the user whose credentials sign it.
func (c *Client) Follow(ctx context.Context, creds signin.Credentials, userID, targetID string) (FollowResult, error) {
	a, rl, err := c.write(ctx, StepFollow, creds, "/2/users/"+userID+"/following", map[string]string{"target_user_id": targetID}, userID, targetID)
	return FollowResult{Following: a.Data.Following, PendingFollow: a.Data.PendingFollow, Limit: rl}, err
}

// SendDM sends text to recipientID from the user whose credentials sign it:
// POST /2/dm_conversations/with/:participant_id/messages with {"text"}.
func (c *Client) SendDM(ctx context.Context, creds signin.Credentials, recipientID, text string) (DMResult, error) {
	a, rl, err := c.write(ctx, StepDM, creds, "/2/dm_conversations/with/"+recipientID+"/messages", map[string]string{"text": text}, recipientID)
	return DMResult{ConversationID: a.Data.ConversationID, EventID: a.Data.EventID, Limit: rl}, err
}

// Tweet posts text from the user whose credentials sign it: POST /2/tweets.
func (c *Client) Tweet(ctx context.Context, creds signin.Credentials, text string) (TweetResult, error) {
	a, rl, err := c.write(ctx, StepTweet, creds, "/2/tweets", map[string]string{"text": text})
	return TweetResult{ID: a.Data.ID, Limit: rl}, err
}

// write checks the X ids a path is built from, then posts.
func (c *Client) write(ctx context.Context, step string, creds signin.Credentials, path string, body map[string]string, ids ...string) (answer, RateLimit, error) {
	var a answer
	for _, id := range ids {
		if _, err := xid.Parse(id); err != nil {
			return a, RateLimit{}, fmt.Errorf("%w: %q", err, id)
		}
	}
	rl, err := c.post(ctx, step, creds, path, body, &a)
	return a, rl, err
}
