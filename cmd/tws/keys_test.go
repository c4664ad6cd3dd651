package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/ssmlocal"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// The command as make runs it: the SDK's default configuration, pointed at
// the SSM stand-in and DynamoDB Local by the SDK's own AWS_ENDPOINT_URL_SSM
// and AWS_ENDPOINT_URL_DYNAMODB (which LoadDefaultConfig honours), through
// store, key-id, rotate, key-id and reseal. The stage is not in
// serverless.yml's params, so it has the defaults: OAuth 2.0, no consumer
// key. Not parallel: it sets the process's environment.
func TestTheCommandsUseTheSDKsEndpointOverrides(t *testing.T) {
	ctx := context.Background()
	stage := ddblocal.RandomStage()
	ddbURL, db := ddblocal.ForTest(t, stage)
	ssmSrv, ssmURL := ssmlocal.ForTest(t)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_SSM":      ssmURL,
		"AWS_ENDPOINT_URL_DYNAMODB": ddbURL,
		"AWS_REGION":                "us-east-1",
		"AWS_ACCESS_KEY_ID":         "keystest", // DynamoDB Local takes letters and digits only
		"AWS_SECRET_ACCESS_KEY":     "keystest",
		"AWS_SESSION_TOKEN":         "",
		"AWS_PROFILE":               "",
		"AWS_ENDPOINT_URL":          "",
		// No developer's profile or real credentials can be picked up.
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
	} {
		t.Setenv(k, v)
	}
	prefix := "/twitter-sessions/" + stage
	const typed = "x-typed-secret-0123456789abcdefghijklmnopqrstuvwxyz01234567\n"
	keys := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := runKeysLine(ctx, args, strings.NewReader(typed), &out); err != nil {
			t.Fatalf("keys %v: %v", args, err)
		}
		if strings.Contains(out.String(), strings.TrimSpace(typed)) {
			t.Fatalf("keys %v printed the secret", args)
		}
		return out.String()
	}
	currentKey := func() []byte {
		t.Helper()
		v, _ := ssmSrv.Value(prefix + "/token-encryption-key")
		k, err := seal.ParseKey(v)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}

	if got := keys("prompts", "-stage", stage); got != "X OAuth 2.0 Client Secret for "+stage+"\n" {
		t.Fatalf("prompts printed %q, want the client secret alone (the stage's default protocol is oauth2)", got)
	}
	keys("store", "-stage", stage)
	for _, p := range []string{"twitter-client-secret", "token-encryption-key", "link-signing-key"} {
		if _, ok := ssmSrv.Value(prefix + "/" + p); !ok {
			t.Fatalf("store did not create %s", p)
		}
	}
	if _, ok := ssmSrv.Value(prefix + "/twitter-consumer-secret"); ok {
		t.Fatal("an OAuth 2.0 stage without a consumer key got a consumer secret")
	}
	// -protocol overrides the stage's protocol (a deploy with --param 'signinProtocol=oauth1').
	if got := keys("prompts", "-stage", stage, "-protocol", "oauth1"); got != "X API Key Secret (OAuth 1.0a) for "+stage+"\n" {
		t.Fatalf("prompts -protocol oauth1 printed %q", got)
	}
	keys("store", "-stage", stage, "-protocol", "oauth1")
	if v, _ := ssmSrv.Value(prefix + "/twitter-consumer-secret"); v != strings.TrimSpace(typed) {
		t.Fatal("store -protocol oauth1 did not store the consumer secret")
	}
	k1 := currentKey()
	if got := keys("key-id", "-stage", stage); got != seal.KeyID(k1)+"\n" {
		t.Fatalf("key-id printed %q, want the id alone", got)
	}

	s1, _ := seal.New(k1)
	const uid = "1234567890123456789"
	table := teststack.TableNamesOf(t, stage).Users
	_, err := userstore.New(db, table, s1).SaveSignIn(ctx, signin.User{
		Identity:   signin.Identity{UserID: uid, ScreenName: "alice", Credentials: signin.Credentials{Token: "tok", Secret: "sec"}},
		SignedInAt: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}

	keys("rotate", "-stage", stage)
	k2 := currentKey()
	if got := keys("key-id", "-stage", stage); got != seal.KeyID(k2)+"\n" || seal.KeyID(k2) == seal.KeyID(k1) {
		t.Fatalf("key-id after rotate printed %q", got)
	}
	if out := keys("reseal", "-stage", stage); !strings.Contains(out, "re-sealed 1,") {
		t.Fatalf("reseal: %s", out)
	}
	item, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: dynamo.Item{"uid": dynamo.N(uid)}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := dynamo.GetS(item.Item, useritem.AttrToken)
	if id, _ := seal.KeyIDOf(tok); id != seal.KeyID(k2) {
		t.Fatalf("after reseal the token names key %s, want %s", id, seal.KeyID(k2))
	}
	// Nothing is sealed with key 1 any more: retire deletes the old keys.
	if out := keys("retire", "-stage", stage); !strings.Contains(out, seal.KeyID(k1)+" (old): 0") || !strings.Contains(out, "deleted "+prefix+"/token-encryption-old-keys") {
		t.Fatalf("retire: %s", out)
	}
	if _, ok := ssmSrv.Value(prefix + "/token-encryption-old-keys"); ok || ssmSrv.Count(ssmlocal.OpDeleteParameter) != 1 {
		t.Fatalf("retire left the old keys, or made %d DeleteParameter calls", ssmSrv.Count(ssmlocal.OpDeleteParameter))
	}
	if ssmSrv.Count(ssmlocal.OpPutParameter) == 0 || ssmSrv.Count(ssmlocal.OpGetParameter) == 0 {
		t.Fatalf("the stand-in saw %+v", ssmSrv.Calls())
	}
}

func TestKeysUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no command", nil},
		{"no stage", []string{"rotate"}},
		{"an unknown command", []string{"drop", "-stage", "staging"}},
		{"an unknown flag", []string{"rotate", "-stage", "staging", "-force"}},
		{"an extra argument", []string{"prompts", "-stage", "staging", "oauth2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var u usageError
			if err := runKeysLine(context.Background(), tc.args, strings.NewReader(""), &bytes.Buffer{}); !errors.As(err, &u) {
				t.Fatalf("err = %v, want the usage", err)
			}
		})
	}
}

// What make secrets asks for comes from the stage in serverless.yml; no
// AWS call is made for it (the Makefile asks before anything else).
func TestPromptsFollowTheStagesProtocol(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a stage with the defaults (oauth2, no consumer key) asks for the client secret",
			[]string{"prompts", "-stage", "keys-defaults"}, "X OAuth 2.0 Client Secret for keys-defaults\n"},
		{"the local stage names both apps: its consumer secret is kept for OAuth 1.0a users",
			[]string{"prompts", "-stage", "local"},
			"X OAuth 2.0 Client Secret for local\nX API Key Secret (OAuth 1.0a) for local, kept for the users who signed in with it (Enter keeps the stored one)\n"},
		{"-protocol oauth1 on the local stage asks for the consumer secret first",
			[]string{"prompts", "-stage", "local", "-protocol", "oauth1"},
			"X API Key Secret (OAuth 1.0a) for local\nX OAuth 2.0 Client Secret for local, kept for the users who signed in with it (Enter keeps the stored one)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := runKeysLine(context.Background(), tc.args, strings.NewReader(""), &out); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("printed %q, want %q", out.String(), tc.want)
			}
		})
	}
	t.Run("an unknown protocol is refused", func(t *testing.T) {
		err := runKeysLine(context.Background(), []string{"prompts", "-stage", "keys-defaults", "-protocol", "oauth3"}, strings.NewReader(""), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "oauth3") {
			t.Fatalf("err = %v", err)
		}
	})
}

// runKeysLine runs "tws keys" with args (the keys command first) as the
// binary does, with stdin and stdout given.
func runKeysLine(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	return run(ctx, append([]string{"keys"}, args...), env{in: in, out: out, errOut: io.Discard, getenv: os.Getenv, now: time.Now})
}
