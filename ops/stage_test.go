package ops

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
	"github.com/twitter-sessions/twitter-sessions/tools/ssmlocal"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

func TestAStageIsNamedAndKnown(t *testing.T) {
	tests := []struct {
		stage string
		want  error
		text  string
	}{
		{"", ErrNoStage, "STAGE=local|staging|production"},
		{"prod", ErrUnknownStage, `unknown stage "prod": serverless.yml configures local, production, staging`},
	}
	for _, tt := range tests {
		t.Run("stage "+tt.stage+" is refused with what to say", func(t *testing.T) {
			_, err := Resolve(context.Background(), Options{Stage: tt.stage})
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Resolve(%q) = %v, want %v saying %q", tt.stage, err, tt.want, tt.text)
			}
		})
	}
}

// make dev not running: the local stage's first read says so, and how to
// start it.
func TestTheLocalStageSaysWhenDynamoDBLocalIsNotRunning(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	tg, err := Resolve(context.Background(), Options{Stage: "local", Endpoint: endpoint, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if tg.UsersTable != "local_twitter" || tg.BrandUID == "" || !tg.Local {
		t.Errorf("the local stage: %+v", tg)
	}
	_, err = tg.Subscribers(context.Background(), io.Discard, FormatCSV, 10, nil)
	if !errors.Is(err, ErrLocalNotUp) || !strings.Contains(err.Error(), "make dev") || !strings.Contains(err.Error(), endpoint) {
		t.Errorf("Subscribers = %v", err)
	}
}

func TestAMissingTableIsNamed(t *testing.T) {
	s := newStack(t)
	s.UsersTable = s.Stage + "_nope"
	_, err := s.Stats(context.Background(), 7, time.Now(), 10, nil)
	if !errors.Is(err, ErrTableMissing) || !strings.Contains(err.Error(), s.Stage+"_nope") || !strings.Contains(err.Error(), "make dev") {
		t.Errorf("Stats = %v", err)
	}
}

// awsEnv points the SDK's default configuration at the SSM stand-in and
// DynamoDB Local and keeps any real profile or credentials out. Not
// parallel: it sets the process's environment.
func awsEnv(t *testing.T, ssmURL, ddbURL string, creds bool) func(string) string {
	dir := t.TempDir()
	env := map[string]string{
		"AWS_ENDPOINT_URL_SSM": ssmURL, "AWS_ENDPOINT_URL_DYNAMODB": ddbURL, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_ENDPOINT_URL": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "",
	}
	if creds {
		env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = "opstest", "opstest"
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	return func(k string) string { return env[k] }
}

func TestADeployedStageNeedsCredentials(t *testing.T) {
	getenv := awsEnv(t, "http://127.0.0.1:1", "http://127.0.0.1:1", false)
	root, _ := slsyml.RepoRoot()
	_, err := openDeployed(context.Background(), root, "staging", getenv)
	if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), "AWS_PROFILE") {
		t.Errorf("openDeployed = %v", err)
	}
}

// A deployed stage as make forget reaches it: serverless.yml's table names
// and SSM parameter names for the stage, the keys from SSM (here the
// stand-in, through the SDK's endpoint override) in one call.
func TestADeployedStageReadsItsTablesFromServerlessYmlAndItsKeysFromSSM(t *testing.T) {
	s := newStack(t) // a throwaway stage: its tables are <stage>_twitter, ...
	ssm, ssmURL := ssmlocal.ForTest(t)
	getenv := awsEnv(t, ssmURL, s.Endpoint, true)
	encKey, linkKey := teststack.NewKeyBase64(t), teststack.NewKeyBase64(t)
	prefix := "/twitter-sessions/" + s.Stage
	ssm.Set(prefix+"/token-encryption-key", encKey)
	ssm.Set(prefix+"/link-signing-key", linkKey)
	ssm.Set(prefix+"/twitter-client-secret", "client-secret-from-ssm")
	ssm.Set(prefix+"/twitter-consumer-secret", "consumer-secret-from-ssm")
	root, _ := slsyml.RepoRoot()
	params := map[string]string{"TWITTER_CLIENT_ID": "client-id-from-param", "TWITTER_CONSUMER_KEY": "consumer-key-from-param"}
	withClient := func(k string) string { // app ids given to the deploy with --param, not in serverless.yml
		if v, ok := params[k]; ok {
			return v
		}
		return getenv(k)
	}
	tg, err := openDeployed(context.Background(), root, s.Stage, withClient)
	if err != nil {
		t.Fatal(err)
	}
	if tg.UsersTable != s.Stage+"_twitter" || tg.CampaignsTable != s.Stage+"_campaigns" || tg.Local || !strings.Contains(tg.Where, s.Endpoint) {
		t.Errorf("target %+v", tg)
	}
	s.put(t, user{uid: aliceID, name: "alice", created: time.Now()})
	if n, err := tg.Subscribers(context.Background(), io.Discard, FormatJSON, 10, nil); n != 1 || err != nil {
		t.Errorf("Subscribers = %d, %v", n, err)
	}
	sec, err := tg.Secrets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sec.RefKey == nil || sec.Opener == nil || sec.Grants().OAuth2 == nil || sec.ClientID != "client-id-from-param" ||
		sec.ClientSecret != "client-secret-from-ssm" || sec.APIBaseURL.String() != "https://api.x.com" {
		t.Errorf("secrets: ref key %v, opener %v, client %q, X %s", sec.RefKey != nil, sec.Opener != nil, sec.ClientID, sec.APIBaseURL)
	}
	assertConsumer(t, sec, "consumer-key-from-param", "consumer-secret-from-ssm")
	if got := ssm.Count(ssmlocal.OpGetParameters); got != 1 {
		t.Errorf("%d GetParameters calls, want 1", got)
	}
}

// forget invalidates OAuth 1.0a tokens with the stage's consumer: the local
// stage's is serverless.yml's (the sandbox's app); a stage without the key
// or its secret has none, and forget then refuses to erase such a user.
func TestTheOAuth1AppComesFromTheStage(t *testing.T) {
	keys := map[string]string{"TOKEN_ENCRYPTION_KEY": teststack.NewKeyBase64(t), "LINK_SIGNING_KEY": teststack.NewKeyBase64(t)}
	with := func(kv ...string) map[string]string {
		env := map[string]string{}
		for k, v := range keys {
			env[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	local, err := Resolve(context.Background(), Options{Stage: "local", EnvFile: filepath.Join(t.TempDir(), "none"), Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		target *Target
		want   bool
	}{
		{"the local stage has the sandbox's app", local, true},
		{"a key and its secret make an app", &Target{Env: with("TWITTER_CONSUMER_KEY", "ck", "TWITTER_CONSUMER_SECRET", "cs")}, true},
		{"a stage without the key has none", &Target{Env: with("TWITTER_CONSUMER_SECRET", "cs")}, false},
		{"a stage without the secret has none", &Target{Env: with("TWITTER_CONSUMER_KEY", "ck")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec, err := tt.target.Secrets(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := sec.Grants().OAuth1 != nil; got != tt.want {
				t.Errorf("an app: %v, want %v (consumer key %q)", got, tt.want, sec.ConsumerKey)
			}
		})
	}
	sec, _ := local.Secrets(context.Background())
	assertConsumer(t, sec, "sandbox-consumer-key", "sandbox-consumer-secret")
}

// assertConsumer: the stage's OAuth 1.0a app is key, with secret.
func assertConsumer(t *testing.T, sec Secrets, key, secret string) {
	t.Helper()
	if sec.Grants().OAuth1 == nil || sec.ConsumerKey != key || sec.ConsumerSecret != secret {
		t.Errorf("secrets: consumer %q (want %q), its secret as expected: %v", sec.ConsumerKey, key, sec.ConsumerSecret == secret)
	}
}
