package xapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dghubble/oauth1"
)

// Endpoint names, as the sandbox and Error.Step call them.
const (
	StepFollow = "follow"
	StepDM     = "dm"
	StepTweet  = "tweet"
)

// Credentials are a user's OAuth 1.0a access token and secret.
type Credentials struct {
	Token  string
	Secret string
}

// ClientOptions configure a Client.
type ClientOptions struct {
	ConsumerKey    string
	ConsumerSecret string
	BaseURL        *url.URL      // https://api.x.com, or the sandbox; /2/* lives under it
	HTTPClient     *http.Client  // its Timeout bounds one call; default NewHTTPClient(5s)
	Noncer         oauth1.Noncer // nil: 32 random bytes per request
}

// Client calls X API v2 on behalf of a user (OAuth 1.0a user context, RFC
// 5849 section 3). Every method makes exactly one request: the caller owns the
// retry policy, because only it knows whether a write may be repeated. Build
// it once; it is safe for concurrent use.
type Client struct {
	cfg  oauth1.Config
	base string
	http *http.Client
}

// NewClient returns a client for one X app.
func NewClient(o ClientOptions) *Client {
	hc := o.HTTPClient
	if hc == nil {
		hc = NewHTTPClient(defaultCallTimeout)
	}
	noncer := o.Noncer
	if noncer == nil {
		// Set here rather than left to dghubble, which fills in a nil Noncer
		// on the shared Config at every request (a data race).
		noncer = oauth1.Base64Noncer{}
	}
	return &Client{
		cfg:  oauth1.Config{ConsumerKey: o.ConsumerKey, ConsumerSecret: o.ConsumerSecret, Noncer: noncer},
		base: strings.TrimRight(o.BaseURL.String(), "/"),
		http: hc,
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

// Follow makes userID follow targetID: POST /2/users/:id/following with
// {"target_user_id"}. userID must be the user whose credentials sign it.
func (c *Client) Follow(ctx context.Context, creds Credentials, userID, targetID string) (FollowResult, error) {
	if err := checkIDs(userID, targetID); err != nil {
		return FollowResult{}, err
	}
	var out struct {
		Data struct {
			Following     bool `json:"following"`
			PendingFollow bool `json:"pending_follow"`
		} `json:"data"`
	}
	rl, err := c.post(ctx, StepFollow, creds, "/2/users/"+userID+"/following", map[string]string{"target_user_id": targetID}, &out)
	return FollowResult{Following: out.Data.Following, PendingFollow: out.Data.PendingFollow, Limit: rl}, err
}

// SendDM sends text to recipientID from the user whose credentials sign it:
// POST /2/dm_conversations/with/:participant_id/messages with {"text"}.
func (c *Client) SendDM(ctx context.Context, creds Credentials, recipientID, text string) (DMResult, error) {
	if err := checkIDs(recipientID); err != nil {
		return DMResult{}, err
	}
	var out struct {
		Data struct {
			ConversationID string `json:"dm_conversation_id"`
			EventID        string `json:"dm_event_id"`
		} `json:"data"`
	}
	rl, err := c.post(ctx, StepDM, creds, "/2/dm_conversations/with/"+recipientID+"/messages", map[string]string{"text": text}, &out)
	return DMResult{ConversationID: out.Data.ConversationID, EventID: out.Data.EventID, Limit: rl}, err
}

// Tweet posts text from the user whose credentials sign it: POST /2/tweets.
func (c *Client) Tweet(ctx context.Context, creds Credentials, text string) (TweetResult, error) {
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	rl, err := c.post(ctx, StepTweet, creds, "/2/tweets", map[string]string{"text": text}, &out)
	return TweetResult{ID: out.Data.ID, Limit: rl}, err
}

func checkIDs(ids ...string) error {
	for _, id := range ids {
		if _, err := ParseID(id); err != nil {
			return fmt.Errorf("%w: %q", err, id)
		}
	}
	return nil
}

// post sends one signed JSON request. A JSON body is not part of the OAuth
// signature base string (RFC 5849 3.4.1.3.1 only takes form-encoded bodies),
// so the signature covers the method, URL and oauth_* parameters. The answer's
// rate-limit headers are returned on success and failure alike (on failure
// inside the *Error).
func (c *Client) post(ctx context.Context, step string, creds Credentials, path string, body, out any) (RateLimit, error) {
	if creds.Token == "" || creds.Secret == "" {
		return RateLimit{}, fmt.Errorf("xapi: %s: no credentials", step)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return RateLimit{}, fmt.Errorf("xapi: %s: %w", step, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return RateLimit{}, fmt.Errorf("xapi: %s: %w", step, err)
	}
	req.Header.Set("Content-Type", "application/json")
	signing := oauth1.NewClient(context.WithValue(ctx, oauth1.HTTPClient, c.http), &c.cfg, oauth1.NewToken(creds.Token, creds.Secret))
	signing.Timeout = c.http.Timeout
	resp, err := signing.Do(req)
	if err != nil {
		return RateLimit{}, Classify(step, err)
	}
	defer resp.Body.Close()
	rl := ParseRateLimit(resp.Header)
	data, err := ReadBody(resp.Body)
	if errors.Is(err, ErrMalformed) {
		return rl, err
	}
	if err != nil {
		return rl, Classify(step, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return rl, ParseError(step, resp.StatusCode, resp.Header, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return rl, fmt.Errorf("%w: %s: %v", ErrMalformed, step, err)
	}
	return rl, nil
}

// defaultCallTimeout bounds one call when the caller gives no client.
const defaultCallTimeout = 5 * time.Second
