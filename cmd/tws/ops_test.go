package main

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/ops"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

func TestOpsUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no command", nil},
		{"an unknown command", []string{"drop", "-stage", "local"}},
		{"an unknown flag", []string{"campaigns", "-stage", "local", "-force"}},
		{"a stray argument", []string{"stats", "-stage", "local", "30"}},
		{"a forget without a uid", []string{"forget", "-stage", "local"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is a usage error", func(t *testing.T) {
			e := env{in: strings.NewReader(""), out: &bytes.Buffer{}, errOut: &bytes.Buffer{}, getenv: func(string) string { return "" }, now: time.Now,
				resolve: func(context.Context, ops.Options) (*ops.Target, error) { return &ops.Target{Stage: "local"}, nil }}
			var u usageError
			if err := run(context.Background(), tt.args, e); !errors.As(err, &u) {
				t.Errorf("run(%q) = %v, want a usage error", tt.args, err)
			}
		})
	}
}

// Every command line on a stage's tables, as make runs them: data on
// stdout, the stage line and progress on stderr.
func TestTheCommandsOnAStage(t *testing.T) {
	ctx := context.Background()
	tb := teststack.NewTables(t)
	key, link := teststack.NewKeyBase64(t), teststack.NewKeyBase64(t)
	sb := xsandbox.New(xsandbox.Options{ConsumerKey: "cmd-key", ConsumerSecret: "cmd-consumer-secret"}) // X, for forget
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	tg := &ops.Target{Stage: tb.Stage, Local: true, Endpoint: tb.Endpoint, Where: "DynamoDB Local at " + tb.Endpoint, DB: tb.DB,
		UsersTable: tb.Users, SessionTable: tb.Session, CampaignsTable: tb.Campaigns, BrandUID: teststack.BrandUID,
		Env: map[string]string{"TOKEN_ENCRYPTION_KEY": key, "LINK_SIGNING_KEY": link,
			"TWITTER_CONSUMER_KEY": "cmd-key", "TWITTER_CONSUMER_SECRET": "cmd-consumer-secret", "TWITTER_API_BASE_URL": srv.URL}}
	k, _ := seal.ParseKey(key)
	sealer, _ := seal.New(k)
	const uid = "1234567890123456789"
	token, secret := sb.IssueAccessToken(uid)
	_, err := userstore.New(tb.DB, tg.UsersTable, sealer).SaveSignIn(ctx, signin.User{
		Identity:   signin.Identity{UserID: uid, ScreenName: "alice", Credentials: signin.Credentials{Kind: signin.KindOAuth1, Token: token, Secret: secret}},
		Choices:    signin.Choices{Follow: true, UTM: map[string]string{"utm_source": "newsletter"}},
		SignedInAt: time.Now(), Actions: []useritem.Action{useritem.ActionWelcome},
	})
	if err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(t.TempDir(), "stats.html")
	cmd := func(t *testing.T, stdin string, args ...string) (string, string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		e := env{in: strings.NewReader(stdin), out: &out, errOut: &errOut, getenv: func(string) string { return "" }, now: time.Now,
			resolve: func(_ context.Context, o ops.Options) (*ops.Target, error) {
				if o.Stage != tb.Stage {
					return nil, ops.ErrUnknownStage
				}
				return tg, nil
			}}
		err := run(ctx, append(args[:1:1], append([]string{"-stage", tb.Stage}, args[1:]...)...), e)
		return out.String(), errOut.String(), err
	}
	tests := []struct {
		name     string
		stdin    string
		args     []string
		wantErr  error
		out, log []string
	}{
		{name: "subscribers writes JSON Lines", args: []string{"subscribers", "-format", "json"},
			out: []string{`{"uid":"1234567890123456789","screen_name":"alice",`, `"first_attribution":{"utm_source":"newsletter"}`},
			log: []string{"stage " + tb.Stage + ": " + tg.UsersTable, "subscribers: done: 1 users read"}},
		{name: "stats writes a table", args: []string{"stats", "-days", "3"}, out: []string{"1 users (the brand not counted), 1 subscribed", "utm_source=newsletter"}},
		{name: "stats writes a page", args: []string{"stats", "-format", "html", "-out", html}, log: []string{"stats: wrote " + html}},
		{name: "campaigns lists none", args: []string{"campaigns"}, out: []string{"0 campaign(s); the brand (FOLLOW_UID 1900000000000000001): not connected"}},
		{name: "forget asks, and no is no", stdin: "no\n", args: []string{"forget", "-uid", uid}, wantErr: ops.ErrNotConfirmed, log: []string{"about to erase stage " + tb.Stage + ": @alice"}},
		{name: "forget asks, and yes erases", stdin: "yes\n", args: []string{"forget", "-uid", uid}, out: []string{"erased the user with ref " + ops.Ref(mustKey(t, link), uid), "X: OAuth 1.0a token invalidated"}},
		{name: "forget of someone gone says so", args: []string{"forget", "-uid", uid, "-yes"}, wantErr: ops.ErrNoSuchUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, log, err := cmd(t, tt.stdin, tt.args...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%v: %v, want %v\nstderr: %s", tt.args, err, tt.wantErr, log)
			}
			for _, w := range tt.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.log {
				if !strings.Contains(log, w) {
					t.Errorf("stderr lacks %q:\n%s", w, log)
				}
			}
			for _, secret := range []string{token, secret, "cmd-consumer-secret", key, link} {
				if strings.Contains(out+log, secret) {
					t.Errorf("the output holds a secret")
				}
			}
		})
	}
	if page, err := os.ReadFile(html); err != nil || !bytes.Contains(page, []byte("<svg")) {
		t.Errorf("the page: %v", err)
	}
}

func mustKey(t *testing.T, b64 string) []byte {
	k, err := seal.ParseKey(b64)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
