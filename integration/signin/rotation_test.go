package signin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"maps"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/twitter-sessions/twitter-sessions/ops/keyops"
	"github.com/twitter-sessions/twitter-sessions/shared/actionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/tools/ssmlocal"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// deployedStage is a stage as deployed: its secrets in SSM (the stand-in,
// written by make secrets' own code through the SDK's ssm client), its
// tables in DynamoDB Local, X played by the sandbox. Functions start with
// app.Load on the environment serverless.yml gives a deployed stage: SSM
// parameter names, no secret values.
type deployedStage struct {
	t       *testing.T
	stage   string
	ssm     *ssmlocal.Server
	ops     keyops.Stage // what make secrets / rotate-key / reseal / deploy run
	db      *dynamodb.Client
	sandbox *xsandbox.Sandbox
	xURL    string
	env     map[string]string
	logs    []*logging.Buffer // of every function started
}

func newDeployedStage(t *testing.T) *deployedStage {
	t.Helper()
	tables := teststack.NewTables(t)
	stage, ddbURL, db := tables.Stage, tables.Endpoint, tables.DB
	ssmSrv, ssmURL := ssmlocal.ForTest(t)
	ops := keyops.ForStage(keyops.SSM{Client: ssm.New(ssm.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ssmURL),
		Credentials:  credentials.NewStaticCredentialsProvider("operator", "operator", ""),
	})}, stage)
	// The stage as the first make secrets left it, before links had a key
	// of their own: an encryption key only. This make secrets adds the link
	// key, and the link key derived from the encryption key as verify-only.
	k, err := keyops.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	ssmSrv.Set(ops.Name(keyops.EncryptionKey), k)
	var out bytes.Buffer
	if err := ops.StoreSecrets(context.Background(), strings.NewReader(consumerSecret+"\n"), &out); err != nil {
		t.Fatal(err)
	}

	sb, xURL := teststack.NewSandbox(t)

	// The environment serverless.yml gives a deployed stage: the secrets'
	// SSM parameter names, no secret values.
	env := teststack.Environment(t, stage, xURL)
	delete(env, "TWITTER_CONSUMER_SECRET")
	prefix := ops.Prefix + "/"
	maps.Copy(env, map[string]string{
		"TWITTER_CONSUMER_SECRET_SSM":   prefix + keyops.ConsumerSecret,
		"TOKEN_ENCRYPTION_KEY_SSM":      prefix + keyops.EncryptionKey,
		"TOKEN_ENCRYPTION_OLD_KEYS_SSM": prefix + keyops.EncryptionOld,
		"LINK_SIGNING_KEY_SSM":          prefix + keyops.LinkKey,
		"LINK_SIGNING_OLD_KEYS_SSM":     prefix + keyops.LinkOld,
		// Lambda's own variables, and the SDK's endpoint overrides.
		"AWS_REGION":                "us-east-1",
		"AWS_ACCESS_KEY_ID":         "function",
		"AWS_SECRET_ACCESS_KEY":     "function",
		"AWS_ENDPOINT_URL_SSM":      ssmURL,
		"AWS_ENDPOINT_URL_DYNAMODB": ddbURL,
	})
	return &deployedStage{t: t, stage: stage, ssm: ssmSrv, ops: ops, db: db, sandbox: sb, xURL: xURL, env: env}
}

// start is a cold start of a function deployed with the key id make deploy
// read (keyID; "" for none).
func (d *deployedStage) start(keyID string) (*app.Deps, *logging.Buffer) {
	d.t.Helper()
	logs := &logging.Buffer{}
	d.logs = append(d.logs, logs)
	env := func(k string) string {
		if k == "TOKEN_ENCRYPTION_KEY_ID" {
			return keyID
		}
		return d.env[k]
	}
	before := d.getParameters()
	deps, err := app.Load(context.Background(), env, logs, "twitter_callback")
	if err != nil {
		d.t.Fatalf("cold start: %v", err)
	}
	if n := d.getParameters() - before; n != 1 {
		d.t.Fatalf("a cold start made %d GetParameters calls, want 1", n)
	}
	return deps, logs
}

func (d *deployedStage) getParameters() int { return d.ssm.Count(ssmlocal.OpGetParameters) }

// keyID is what make deploy passes (keys key-id).
func (d *deployedStage) keyID() string {
	d.t.Helper()
	id, err := d.ops.KeyID(context.Background())
	if err != nil {
		d.t.Fatal(err)
	}
	return id
}

func (d *deployedStage) rotateAndReseal() {
	d.t.Helper()
	var out bytes.Buffer
	if err := d.ops.Rotate(context.Background(), &out); err != nil {
		d.t.Fatal(err)
	}
	if err := d.ops.Reseal(context.Background(), d.db, d.env["TWITTER_TABLE"], &out); err != nil {
		d.t.Fatal(err)
	}
	if !strings.Contains(out.String(), "unreadable 0") {
		d.t.Fatalf("reseal: %s", out.String())
	}
}

// stored reads the key ids a user's token and secret name.
func (d *deployedStage) tokenKeyID(uid string) string {
	d.t.Helper()
	out, err := d.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(d.env["TWITTER_TABLE"]), Key: dynamo.Item{"uid": dynamo.N(uid)}, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		d.t.Fatal(err)
	}
	tok, _ := dynamo.GetS(out.Item, useritem.AttrToken)
	sec, _ := dynamo.GetS(out.Item, useritem.AttrSecret)
	tid, _ := seal.KeyIDOf(tok)
	if sid, _ := seal.KeyIDOf(sec); sid != tid {
		d.t.Fatalf("token under key %s, secret under %s", tid, sid)
	}
	return tid
}

// signIn runs a whole sign-in of uid through a warm function's handlers.
func (d *deployedStage) signIn(deps *app.Deps, uid string) {
	d.t.Helper()
	s := &stack{t: d.t, sandbox: d.sandbox, xURL: d.xURL, h: deps.SignIn()}
	st := s.mustStart("tweet=true") // work for the visitor's own token: it is kept, sealed
	if r := result(d.t, s.callback(s.authorize(st, uid), st.cookie)); r.Get("result") != "success" {
		d.t.Fatalf("sign-in of %s: %v", uid, r)
	}
}

// checkNoKeyLogged fails if any key stored in SSM appears in any function's
// log, in either base64 alphabet.
func (d *deployedStage) checkNoKeyLogged() {
	d.t.Helper()
	var keys [][]byte
	for _, p := range []string{keyops.EncryptionKey, keyops.EncryptionOld, keyops.LinkKey, keyops.LinkOld} {
		v, _ := d.ssm.Value(d.ops.Name(p))
		for _, s := range strings.Split(v, ",") {
			if k, err := seal.ParseKey(s); err == nil {
				keys = append(keys, k)
			}
		}
	}
	for _, logs := range d.logs {
		for _, k := range keys {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				if strings.Contains(logs.String(), enc.EncodeToString(k)) {
					d.t.Fatal("a key in a function's log")
				}
			}
		}
	}
}

// The issue: make rotate-key changes only SSM, a deploy that changes nothing
// leaves warm functions with the old key list, and after make reseal a warm
// function could open nobody's tokens. A warm function now re-reads the keys
// once, when it meets the new key, and seals with the new key from then on.
func TestRotationReachesWarmFunctions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDeployedStage(t)
	id1 := d.keyID()

	// Two instances warm from before the rotation; every object stays.
	warm, warmLogs := d.start(id1)
	ring, ok := warm.Sealer.(*seal.Keyring)
	if !ok {
		t.Fatalf("a deployed stage's function has a %T, want a *seal.Keyring", warm.Sealer)
	}
	clk := &teststack.Clock{}
	ring.Now = clk.Now
	warmHandlers := warm.SignIn()
	warmUsers := actionstore.New(warm.DB, warm.Config.TwitterTable, warm.Sealer)
	other, _ := d.start(id1)
	otherUsers := actionstore.New(other.DB, other.Config.TwitterTable, other.Sealer)

	before := d.getParameters()
	d.signIn(warm, aliceUID)
	if d.tokenKeyID(aliceUID) != id1 {
		t.Fatalf("alice's tokens under key %s, want %s", d.tokenKeyID(aliceUID), id1)
	}
	if u, _ := warmUsers.GetActionUser(ctx, aliceUID); u.CredentialsErr != nil {
		t.Fatal(u.CredentialsErr)
	}
	if n := d.getParameters() - before; n != 0 {
		t.Fatalf("%d SSM calls on the happy path, want none", n)
	}

	d.rotateAndReseal()
	id2 := d.keyID()
	if d.tokenKeyID(aliceUID) != id2 || id2 == id1 {
		t.Fatalf("after reseal alice's tokens are under %s, want %s", d.tokenKeyID(aliceUID), id2)
	}

	t.Run("the sealer Load built before this change cannot open them", func(t *testing.T) {
		fixed, err := seal.New(warm.Config.EncryptionKeys[0], warm.Config.EncryptionKeys[1:]...)
		if err != nil {
			t.Fatal(err)
		}
		u, err := actionstore.New(warm.DB, warm.Config.TwitterTable, fixed).GetActionUser(ctx, aliceUID)
		if err != nil || !errors.Is(u.CredentialsErr, seal.ErrOpen) {
			t.Fatalf("err %v, credentials err %v: a key list fixed at the cold start opened a value sealed after it", err, u.CredentialsErr)
		}
	})

	t.Run("the warm function opens them after exactly one SSM call, however many requests meet the new key", func(t *testing.T) {
		before := d.getParameters()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u, err := warmUsers.GetActionUser(ctx, aliceUID)
				switch {
				case err != nil:
					errs <- err
				case u.CredentialsErr != nil:
					errs <- u.CredentialsErr
				case u.Credentials.Token == "" || u.Credentials.Secret == "":
					errs <- errors.New("empty credentials")
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := d.getParameters() - before; n != 1 {
			t.Fatalf("%d GetParameters calls, want exactly 1", n)
		}
		if !strings.Contains(warmLogs.String(), "re-read the keys from SSM") {
			t.Fatalf("the reload was not logged: %s", warmLogs.String())
		}
	})

	t.Run("a new sign-in on the warm function that reloaded seals with the new key", func(t *testing.T) {
		d.signIn(warm, bobUID)
		if got := d.tokenKeyID(bobUID); got != id2 {
			t.Fatalf("bob's tokens under key %s, want the new key %s", got, id2)
		}
		// The same handlers as before the rotation: nothing was rebuilt.
		s := &stack{t: t, sandbox: d.sandbox, xURL: d.xURL, h: warmHandlers}
		st := s.mustStart("tweet=true")
		if r := result(t, s.callback(s.authorize(st, aliceUID), st.cookie)); r.Get("result") != "success" || d.tokenKeyID(aliceUID) != id2 {
			t.Fatalf("alice again: %v, key %s", r, d.tokenKeyID(aliceUID))
		}
	})

	t.Run("a function that has not met the new key seals with the old one until it does", func(t *testing.T) {
		d.signIn(other, carolUID)
		if got := d.tokenKeyID(carolUID); got != id1 {
			t.Fatalf("carol's tokens under key %s before the reload, want %s (still openable by all)", got, id1)
		}
		before := d.getParameters()
		if u, _ := otherUsers.GetActionUser(ctx, aliceUID); u.CredentialsErr != nil {
			t.Fatal(u.CredentialsErr)
		}
		d.signIn(other, carolUID)
		if got := d.tokenKeyID(carolUID); got != id2 || d.getParameters()-before != 1 {
			t.Fatalf("carol's tokens under key %s after the reload (want %s), %d SSM calls", got, id2, d.getParameters()-before)
		}
	})

	t.Run("a second rotation within the minute is not re-read until the minute has passed", func(t *testing.T) {
		clk.Advance(30 * time.Second)
		d.rotateAndReseal()
		id3 := d.keyID()
		before := d.getParameters()
		u, _ := warmUsers.GetActionUser(ctx, aliceUID)
		if !errors.Is(u.CredentialsErr, seal.ErrOpen) || d.getParameters() != before {
			t.Fatalf("within the minute: credentials err %v, %d SSM calls, want ErrOpen and none", u.CredentialsErr, d.getParameters()-before)
		}
		clk.Advance(31 * time.Second)
		if u, _ := warmUsers.GetActionUser(ctx, aliceUID); u.CredentialsErr != nil || d.getParameters()-before != 1 {
			t.Fatalf("a minute later: %v, %d SSM calls, want success after 1", u.CredentialsErr, d.getParameters()-before)
		}
		if ring.CurrentKeyID() != id3 {
			t.Fatalf("seals with %s, want %s", ring.CurrentKeyID(), id3)
		}
	})

	t.Run("a function started with a stale TOKEN_ENCRYPTION_KEY_ID warns once and starts", func(t *testing.T) {
		_, logs := d.start(id1)
		if n := strings.Count(logs.String(), "TOKEN_ENCRYPTION_KEY_ID"); n != 1 || !strings.Contains(logs.String(), `"level":"warn"`) ||
			!strings.Contains(logs.String(), `"deployed_key_id":"`+id1+`"`) || !strings.Contains(logs.String(), `"key_id":"`+d.keyID()+`"`) {
			t.Fatalf("%d warnings: %s", n, logs.String())
		}
		for _, id := range []string{d.keyID(), ""} {
			if _, logs := d.start(id); strings.Contains(logs.String(), "TOKEN_ENCRYPTION_KEY_ID") {
				t.Fatalf("a warning for key id %q: %s", id, logs.String())
			}
		}
	})

	t.Run("unsubscribe links signed before the link key existed still verify", func(t *testing.T) {
		// make secrets stored the link key derived from key 1, the only
		// encryption key then: it keeps the link once key 1 is dropped.
		k1 := warm.Config.EncryptionKeys[0]
		sent, err := url.Parse(unsubscribe.NewLinks(unsubscribe.BaseFromCallback(warm.Config.CallbackURL), unsubscribe.LegacyLinkKey(k1)).URL(aliceUID))
		if err != nil {
			t.Fatal(err)
		}
		sig := sent.Query().Get("sig")
		fresh, _ := d.start(d.keyID())
		fresh.Config.EncryptionKeys = fresh.Config.EncryptionKeys[:1] // the old keys dropped
		if !fresh.Links.Verify(aliceUID, sig) {
			t.Fatal("a link sent under the legacy scheme no longer verifies")
		}
	})

	d.checkNoKeyLogged()
}

// A stage whose keys come from the environment (local, tests) has nothing to
// re-read: the function behaves as before.
func TestLocalKeysAreNotReloaded(t *testing.T) {
	t.Parallel()
	d := newDeployedStage(t)
	env := map[string]string{}
	for k, v := range d.env {
		env[k] = v
	}
	for _, k := range []string{"TWITTER_CONSUMER_SECRET_SSM", "TOKEN_ENCRYPTION_KEY_SSM", "TOKEN_ENCRYPTION_OLD_KEYS_SSM", "LINK_SIGNING_KEY_SSM", "LINK_SIGNING_OLD_KEYS_SSM"} {
		env[k] = ""
	}
	env["TWITTER_CONSUMER_SECRET"] = consumerSecret
	env["TOKEN_ENCRYPTION_KEY"] = teststack.NewKeyBase64(t)
	env["LINK_SIGNING_KEY"] = teststack.NewKeyBase64(t)
	deps, err := app.Load(context.Background(), func(k string) string { return env[k] }, &logging.Buffer{}, "twitter_actions")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := deps.Sealer.(*seal.Sealer); !ok {
		t.Fatalf("local keys in a %T, want the plain *seal.Sealer", deps.Sealer)
	}
	if n := d.getParameters(); n != 0 {
		t.Fatalf("%d SSM calls for a stage without SSM", n)
	}
}

// Other test users of the sandbox (xsandbox.DefaultUsers).
const (
	bobUID   = "9007199254740993"
	carolUID = "1400000000000000003"
)

// A function that starts in the middle of make rotate-key (it reads the keys
// before the new current key is written) but belongs to the deploy made for
// the new key (TOKEN_ENCRYPTION_KEY_ID) knows its keys are behind: it re-reads
// them at its first seal, so no value is sealed with the key make
// retire-keys is about to delete.
func TestAWarmFunctionBehindItsDeployedKeyReloadsBeforeSealing(t *testing.T) {
	t.Parallel()
	d := newDeployedStage(t)
	k1, _ := d.ssm.Value(d.ops.Name(keyops.EncryptionKey))

	var out bytes.Buffer
	if err := d.ops.Rotate(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	id2 := d.keyID()
	k2, _ := d.ssm.Value(d.ops.Name(keyops.EncryptionKey))
	old, _ := d.ssm.Value(d.ops.Name(keyops.EncryptionOld))

	// The cold start read SSM before rotate-key wrote the new key.
	d.ssm.Set(d.ops.Name(keyops.EncryptionKey), k1)
	d.ssm.Delete(d.ops.Name(keyops.EncryptionOld))
	warm, logs := d.start(id2)
	d.ssm.Set(d.ops.Name(keyops.EncryptionOld), old)
	d.ssm.Set(d.ops.Name(keyops.EncryptionKey), k2)
	if !strings.Contains(logs.String(), `"deployed_key_id":"`+id2+`"`) {
		t.Fatalf("no warning about the stale keys: %s", logs.String())
	}

	before := d.getParameters()
	d.signIn(warm, aliceUID)
	if got := d.tokenKeyID(aliceUID); got != id2 {
		t.Fatalf("alice's tokens under key %s, want the deployed key %s", got, id2)
	}
	if n := d.getParameters() - before; n != 1 {
		t.Fatalf("%d GetParameters calls, want 1", n)
	}
	d.signIn(warm, bobUID)
	if got := d.tokenKeyID(bobUID); got != id2 || d.getParameters()-before != 1 {
		t.Fatalf("bob's tokens under key %s after %d GetParameters calls", got, d.getParameters()-before)
	}
	d.checkNoKeyLogged()
}
