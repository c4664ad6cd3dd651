package teststack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"maps"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/tools/ddbproxy"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
	"github.com/twitter-sessions/twitter-sessions/tools/streamrelay"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// The X app the sandbox registers and the functions are configured with.
const (
	ConsumerKey    = "test-consumer-key"
	ConsumerSecret = "test-consumer-secret-0d6f"
	CallbackURL    = "https://api.brand.example/api/twitter-callback"
	SiteURL        = "https://brand.example/landing"
	BrandUID       = "1900000000000000001" // xsandbox.DefaultUsers' brand
)

// The same app's OAuth 2.0 confidential client.
const (
	ClientID     = "test-client-id"
	ClientSecret = "test-client-secret-3c8a"
)

// Options configure New; the With* functions set them.
type Options struct {
	// Env is set over the base environment (Environment).
	Env map[string]string
	// Users are X accounts besides xsandbox.DefaultUsers.
	Users []xsandbox.User
	// Proxy puts a counting, fault-injecting ddbproxy between the functions
	// (with the Lambdas' own DynamoDB client settings) and DynamoDB Local.
	Proxy bool
	// InvocationTimeout is the Lambda timeout that StreamRelay gives each
	// invocation; 0 keeps serverless.yml's.
	InvocationTimeout time.Duration
}

// Option is one setting of New.
type Option func(*Options)

// WithEnv sets the environment variable k of the functions to v.
func WithEnv(k, v string) Option { return func(o *Options) { o.Env[k] = v } }

// WithUsers adds X accounts to the sandbox.
func WithUsers(us []xsandbox.User) Option {
	return func(o *Options) { o.Users = append(o.Users, us...) }
}

// ViaProxy puts a counting, fault-injecting proxy between the functions and
// DynamoDB Local (Stack.Proxy).
func ViaProxy() Option { return func(o *Options) { o.Proxy = true } }

// WithInvocationTimeout is the Lambda timeout the stream relay gives each
// invocation.
func WithInvocationTimeout(d time.Duration) Option {
	return func(o *Options) { o.InvocationTimeout = d }
}

// Stack is one service instance wired as the Lambdas are (app.Deps), on
// tables of its own in DynamoDB Local and an X sandbox served over HTTP.
type Stack struct {
	Tables // DB is direct: the test's own reads and writes never go through Proxy

	Sandbox *xsandbox.Sandbox
	XURL    string            // the sandbox's URL: TWITTER_API_BASE_URL
	Env     map[string]string // the functions' environment
	Key     string            // TOKEN_ENCRYPTION_KEY (base64)
	Config  *config.Config
	Sealer  *seal.Sealer
	Logs    *logging.Buffer // every log line of the functions
	Deps    *app.Deps       // what every function's handlers are built from
	Proxy   *ddbproxy.Proxy // with ViaProxy: between Deps.DB and DynamoDB Local
	Clock   *Clock          // for the test to wire into what it wants moved

	t    testing.TB
	opts Options
}

// New builds the stack for a test. function names the functions' logger
// (its "function" field).
func New(t testing.TB, function string, opts ...Option) *Stack {
	t.Helper()
	tables := NewTables(t)
	o := Options{Env: map[string]string{}}
	for _, opt := range opts {
		opt(&o)
	}
	sb, xURL := NewSandbox(t, o.Users...)
	key := NewKeyBase64(t)
	env := Environment(t, tables.Stage, xURL)
	env["TOKEN_ENCRYPTION_KEY"] = key
	env["LINK_SIGNING_KEY"] = NewKeyBase64(t)
	maps.Copy(env, o.Env)

	cfg, err := config.Load(context.Background(), func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New(cfg.EncryptionKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	s := &Stack{Tables: tables, Sandbox: sb, XURL: xURL, Env: env, Key: key, Config: cfg, Sealer: sealer,
		Logs: &logging.Buffer{}, Clock: &Clock{}, t: t, opts: o}
	fnDB := tables.DB
	if o.Proxy {
		s.Proxy, fnDB = ddbproxy.ForTest(t, tables.Endpoint)
	}
	s.Deps = app.New(cfg, logging.New(s.Logs, cfg.LogLevel, function, tables.Stage), fnDB, sealer)
	return s
}

// Environment is the functions' environment on stage's tables with X at
// xURL, without the keys: every variable the three functions share
// (serverless.yml gives them one environment), the sign-in's follow mode.
// Both X apps are configured; visitors sign in with OAuth 1.0a unless a
// test sets SIGNIN_PROTOCOL=oauth2 (WithEnv).
func Environment(t testing.TB, stage, xURL string) map[string]string {
	t.Helper()
	env := map[string]string{
		"STAGE":                   stage,
		"SIGNIN_PROTOCOL":         "oauth1",
		"TWITTER_CONSUMER_KEY":    ConsumerKey,
		"TWITTER_CONSUMER_SECRET": ConsumerSecret,
		"TWITTER_CLIENT_ID":       ClientID,
		"TWITTER_CLIENT_SECRET":   ClientSecret,
		"TWITTER_AUTHORIZE_URL":   xURL + "/i/oauth2/authorize",
		"TWITTER_API_BASE_URL":    xURL,
		"TWITTER_CALLBACK_URL":    CallbackURL,
		"SITE_CALLBACK_URL":       SiteURL,
		"FOLLOW_UID":              BrandUID,
		"FOLLOW_MODE":             "intent",
		"LOG_LEVEL":               "debug",
	}
	n := TableNamesOf(t, stage)
	env["SESSION_TABLE"], env["TWITTER_TABLE"], env["CAMPAIGNS_TABLE"] = n.Session, n.Users, n.Campaigns
	return env
}

// NewSandbox serves an X sandbox over HTTP for the test: the app
// ConsumerKey/ConsumerSecret and ClientID/ClientSecret with CallbackURL
// approved, and the accounts xsandbox.DefaultUsers plus users.
func NewSandbox(t testing.TB, users ...xsandbox.User) (*xsandbox.Sandbox, string) {
	t.Helper()
	sb := xsandbox.New(xsandbox.Options{
		ConsumerKey:      ConsumerKey,
		ConsumerSecret:   ConsumerSecret,
		ClientID:         ClientID,
		ClientSecret:     ClientSecret,
		AllowedCallbacks: []string{CallbackURL},
		Users:            append(xsandbox.DefaultUsers(), users...),
	})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, srv.URL
}

// Item reads an item of table, consistently, straight from DynamoDB Local.
func (s *Stack) Item(table string, key dynamo.Item) dynamo.Item {
	s.t.Helper()
	out, err := s.DB.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		s.t.Fatal(err)
	}
	return out.Item
}

// User reads a user's item of the users table.
func (s *Stack) User(uid string) dynamo.Item {
	s.t.Helper()
	return s.Item(s.Config.TwitterTable, dynamo.Item{"uid": dynamo.N(uid)})
}

// Count counts the items of table (a consistent Scan).
func (s *Stack) Count(table string) int {
	s.t.Helper()
	out, err := s.DB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), Select: "COUNT", ConsistentRead: aws.Bool(true)})
	if err != nil {
		s.t.Fatal(err)
	}
	return int(out.Count)
}

// Calls counts the sandbox calls to endpoint (with status, when given).
func (s *Stack) Calls(endpoint string, status ...int) int {
	// A call the client gave up on is recorded once the sandbox notices; the
	// ceiling only keeps a hung request from hanging the test.
	if !s.Sandbox.WaitIdle(10 * time.Second) {
		s.t.Errorf("the X sandbox still has a request in flight after 10 s: its calls are counted without it")
	}
	n := 0
	for _, c := range s.Sandbox.Calls() {
		if c.Endpoint == endpoint && (len(status) == 0 || c.Status == status[0]) {
			n++
		}
	}
	return n
}

// StreamRelay relays the users table's stream to h as Lambda invokes
// twitter_actions: serverless.yml's stream event and filter, the
// invocation timeout of WithInvocationTimeout when given.
func (s *Stack) StreamRelay(h lambda.Handler) *streamrelay.Relay {
	s.t.Helper()
	root, err := slsyml.RepoRoot()
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	relay, err := streamrelay.NewLocal(ctx, streamrelay.LocalOptions{
		RepoRoot: root, Endpoint: s.Endpoint, Table: s.Config.TwitterTable, Handler: h,
		StartingPosition: "TRIM_HORIZON", RetryDelay: 20 * time.Millisecond, Timeout: s.opts.InvocationTimeout,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return relay
}

// LambdaContext is what the Lambda runtime gives a handler: a deadline
// timeout away, and a request id naming the test.
func LambdaContext(t testing.TB, timeout time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-" + t.Name()})
}

// NewKey returns a fresh 32-byte key from crypto/rand.
func NewKey(t testing.TB) []byte {
	t.Helper()
	b := make([]byte, seal.KeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// NewKeyBase64 returns a fresh key (NewKey) in base64, as the environment
// holds keys.
func NewKeyBase64(t testing.TB) string {
	t.Helper()
	return base64.StdEncoding.EncodeToString(NewKey(t))
}

// Clock is the time now moved on by Advance, for the test to hand to what it
// wants to age (a signin.Service's Now, a seal.Keyring's). The zero value
// reads time.Now. Safe for concurrent use.
type Clock struct{ offset atomic.Int64 }

// Now is time.Now plus every Advance so far.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }
