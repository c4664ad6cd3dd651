package actions_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/actionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/shared/app/actionsfn"
	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/dispatch"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/tools/ddbproxy"
	"github.com/twitter-sessions/twitter-sessions/tools/streamrelay"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// testTiming is twitter_actions' timing scaled down for the tests. The
// margin must cover one campaign recipient's mark + DM + save, as the
// production 10 s covers the 5 s X call: 1 s leaves room for a stall of the
// shared DynamoDB Local under -race on a slow CI machine.
var testTiming = func() boot.Timing {
	t := boot.TwitterActions
	t.Backoff = 50 * time.Millisecond
	t.Margin = time.Second
	t.RecordBudget = 500 * time.Millisecond
	return t
}()

// store is the users table through both of its packages: the sign-in's
// writes (userstore) and the actions' (actionstore).
type store struct {
	*actionstore.Store
	users *userstore.Store
}

func newStore(db dynamo.Client, table string, sealer seal.Box) store {
	return store{actionstore.New(db, table, sealer), userstore.New(db, table, sealer)}
}

func (s store) SaveSignIn(ctx context.Context, u signin.User) (bool, error) {
	return s.users.SaveSignIn(ctx, u)
}

func (s store) Unsubscribe(ctx context.Context, uid string, now time.Time) (bool, error) {
	return s.users.Unsubscribe(ctx, uid, now)
}

// useStore makes the function read and write the users table through u: one
// that knows a rotated key, say.
func (s *stack) useStore(u *actionstore.Store) {
	st := s.h.Stream
	st.Users, st.Claims, st.Revoker, st.Requeue, st.Sending = u, u, u, u, u
	if st.Credentials != nil {
		st.Credentials = u
	}
	st.Tokens.(*tokens.Service).Store = u
	if c := s.h.Campaigns; c != nil {
		c.Users, c.Revoker, c.Audience = u, u, u
	}
}

const (
	consumerSecret = teststack.ConsumerSecret
	welcomeText    = "Welcome aboard!"
	tweetText      = "I just signed up!"
	brandUID       = teststack.BrandUID
	aliceUID       = "1234567890123456789" // beyond 2^53
	bobUID         = "9007199254740993"    // 2^53 + 1
	carolUID       = "1400000000000000003" // accepts no DMs
)

// stack is the actions function wired as the Lambda is (actionsfn.New) on
// the harness's stack (tools/teststack): fresh DynamoDB Local tables, an X
// sandbox over HTTP, and the stream relay with serverless.yml's filter.
type stack struct {
	t       *testing.T
	sb      *xsandbox.Sandbox
	db      *dynamodb.Client
	cfg     *config.Config
	users   store
	h       *dispatch.Handler
	deps    *app.Deps
	relay   *streamrelay.Relay
	logs    *logging.Buffer
	secrets []string        // every token and secret issued: never in a log
	proxy   *ddbproxy.Proxy // with teststack.ViaProxy: between the function and DynamoDB Local
	ts      *teststack.Stack
}

// newStack is the harness's stack configured as twitter_actions is in these
// tests (the follow made through the API, the welcome DM's and the opt-in
// post's texts), then opts.
func newStack(t *testing.T, opts ...teststack.Option) *stack {
	t.Helper()
	ts := teststack.New(t, "twitter_actions", append([]teststack.Option{
		teststack.WithEnv("FOLLOW_MODE", "api"),
		teststack.WithEnv("WELCOME_DM_TEXT", welcomeText),
		teststack.WithEnv("OPT_IN_TWEET_TEXT", tweetText),
	}, opts...)...)
	h := actionsfn.New(ts.Deps.Deps, testTiming)
	s := &stack{t: t, sb: ts.Sandbox, db: ts.DB, cfg: ts.Config, users: newStore(ts.DB, ts.Config.TwitterTable, ts.Sealer), h: h,
		deps: ts.Deps, relay: ts.StreamRelay(lambda.NewHandler(h.Handle)), logs: ts.Logs, proxy: ts.Proxy, ts: ts}
	t.Cleanup(s.checkLogs)
	return s
}

// checkLogs fails the test when a token or secret reached the logs.
func (s *stack) checkLogs() {
	logs := s.logs.String()
	for _, sec := range append(append(s.secrets, consumerSecret, teststack.ClientSecret), s.storedSecrets()...) {
		if strings.Contains(logs, sec) {
			s.t.Errorf("a token or secret is in the logs")
		}
	}
	if s.t.Failed() {
		s.t.Logf("logs:\n%s", logs)
	}
}

// signIn stores a sign-in as the callback does (userstore.Store.SaveSignIn),
// requesting the actions the sign-in use case requests.
func (s *stack) signIn(uid string, follow, tweet bool) {
	s.t.Helper()
	s.signInVia(s.users, uid, follow, tweet)
}

// signInVia stores a sign-in through store (which may seal with a key the
// function does not know).
func (s *stack) signInVia(store signin.UserStore, uid string, follow, tweet bool) {
	s.t.Helper()
	tok, sec := s.sb.IssueAccessToken(uid)
	s.secrets = append(s.secrets, tok, sec)
	s.saveSignIn(store, uid, follow, tweet, signin.Credentials{Kind: signin.KindOAuth1, Token: tok, Secret: sec})
}

// saveSignIn stores a sign-in with credentials c through store, requesting
// the actions the sign-in use case requests.
func (s *stack) saveSignIn(store signin.UserStore, uid string, follow, tweet bool, c signin.Credentials) {
	s.t.Helper()
	s.saveSignInAt(store, uid, follow, tweet, c, time.Now())
}

// saveSignInAt is saveSignIn of a sign-in made at: its credentials are
// stored as of then (cred_at).
func (s *stack) saveSignInAt(store signin.UserStore, uid string, follow, tweet bool, c signin.Credentials, at time.Time) {
	s.t.Helper()
	u := signin.User{
		Identity:   signin.Identity{UserID: uid, ScreenName: "user" + uid[len(uid)-4:], Credentials: c},
		Choices:    signin.Choices{Follow: follow, Tweet: tweet},
		SignedInAt: at,
		Brand:      uid == brandUID,
	}
	switch {
	case u.Brand:
		u.Actions = []useritem.Action{useritem.ActionRelease}
	default:
		if follow && s.cfg.FollowMode == signin.FollowAPI {
			u.Actions = append(u.Actions, useritem.ActionFollow)
		}
		u.Actions = append(u.Actions, useritem.ActionWelcome)
		if tweet {
			u.Actions = append(u.Actions, useritem.ActionTweet)
		}
	}
	if _, err := store.SaveSignIn(context.Background(), u); err != nil {
		s.t.Fatal(err)
	}
}

// rotatedKey returns a store that seals with a new key the function's sealer
// does not know (a rotation this warm function has not seen yet), and one
// that opens values under both keys: the function once it knows the key.
func (s *stack) rotatedKey() (sealsWithIt signin.UserStore, knowsIt *actionstore.Store) {
	s.t.Helper()
	key := teststack.NewKey(s.t)
	rotated, err := seal.New(key)
	if err != nil {
		s.t.Fatal(err)
	}
	both, err := seal.New(s.cfg.EncryptionKeys[0], key)
	if err != nil {
		s.t.Fatal(err)
	}
	return userstore.New(s.db, s.cfg.TwitterTable, rotated), actionstore.New(s.db, s.cfg.TwitterTable, both)
}

// subscriber stores a user with tokens and no action (campaign tests).
func (s *stack) subscriber(uid string) {
	s.t.Helper()
	tok, sec := s.sb.IssueAccessToken(uid)
	u := signin.User{
		Identity:   signin.Identity{UserID: uid, ScreenName: "u" + uid[len(uid)-4:], Credentials: signin.Credentials{Token: tok, Secret: sec}},
		SignedInAt: time.Now(),
		Brand:      uid == brandUID,
	}
	if _, err := s.users.SaveSignIn(context.Background(), u); err != nil {
		s.t.Fatal(err)
	}
}

// drain relays the stream until it is caught up.
func (s *stack) drain() streamrelay.Stats {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := s.relay.Drain(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

func (s *stack) user(uid string) dynamo.Item { return s.ts.User(uid) }

// action reads a user's action record: state, reason, attempts.
func (s *stack) action(uid, name string) (state, reason string, attempts int64) {
	s.t.Helper()
	m, ok := dynamo.GetM(s.user(uid), useritem.Action(name).Attr())
	if !ok {
		return "", "", 0
	}
	state, _ = dynamo.GetS(m, "state")
	reason, _ = dynamo.GetS(m, "reason")
	attempts, _ = dynamo.GetInt(m, "attempts")
	return state, reason, attempts
}

// actionStatus reads the status member of a user's action record: X's HTTP
// status when it answered with an error.
func (s *stack) actionStatus(uid, name string) int64 {
	s.t.Helper()
	m, _ := dynamo.GetM(s.user(uid), useritem.Action(name).Attr())
	st, _ := dynamo.GetInt(m, "status")
	return st
}

// logLines returns the log lines whose field key has the value v.
func (s *stack) logLines(key string, v any) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(s.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m[key] == v {
			out = append(out, m)
		}
	}
	return out
}

// unknownLines returns the log lines that serverless.yml's metric filter
// { $.state = "unknown" } counts as unknown outcomes.
func (s *stack) unknownLines() []map[string]any { return s.logLines("state", "unknown") }

func (s *stack) wantAction(uid, name, state, reason string) {
	s.t.Helper()
	if st, r, _ := s.action(uid, name); st != state || r != reason {
		s.t.Errorf("%s a_%s = %s/%s, want %s/%s", uid, name, st, r, state, reason)
	}
}

// calls counts the sandbox calls to endpoint (with status, when given),
// once the sandbox has recorded every request it got.
func (s *stack) calls(endpoint string, status ...int) int {
	s.t.Helper()
	s.idle()
	return s.ts.Calls(endpoint, status...)
}

// idle waits until the sandbox has recorded every request it got: a client
// that gave up (a timeout) has its error before the sandbox notices. The
// bound only keeps a request stuck in the sandbox from hanging the test.
func (s *stack) idle() {
	s.t.Helper()
	if !s.sb.WaitIdle(10 * time.Second) {
		s.t.Fatal("the X sandbox still holds a request after 10 s")
	}
}

func (s *stack) dmsTo(uid string) []xsandbox.DM {
	var out []xsandbox.DM
	for _, d := range s.sb.DMs() {
		if d.RecipientID == uid {
			out = append(out, d)
		}
	}
	return out
}

// invoke calls the handler with a raw event, as the Lambda runtime would.
func (s *stack) invoke(timeout time.Duration, payload string) json.RawMessage {
	s.t.Helper()
	out, err := lambda.NewHandler(s.h.Handle).Invoke(teststack.LambdaContext(s.t, timeout), []byte(payload))
	if err != nil {
		s.t.Fatalf("invoke %s: %v", payload, err)
	}
	return out
}

// streamEvent is a stream batch naming users, as Lambda would deliver their
// records (the handler reads the items itself).
func streamEvent(uids ...string) string {
	var ev events.DynamoDBEvent
	for i, uid := range uids {
		ev.Records = append(ev.Records, events.DynamoDBEventRecord{
			EventName: "MODIFY", EventSource: "aws:dynamodb",
			Change: events.DynamoDBStreamRecord{
				Keys:           map[string]events.DynamoDBAttributeValue{"uid": events.NewNumberAttribute(uid)},
				SequenceNumber: "10000000000000000000" + string(rune('0'+i)),
			},
		})
	}
	b, _ := json.Marshal(ev)
	return string(b)
}
