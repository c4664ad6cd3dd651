// tws keys manages a stage's secrets in SSM Parameter Store and the
// rotation of the token encryption key (make secrets, rotate-key, reseal,
// retire-keys, rotate-edge-secret, deploy); the commands table says what each
// command does. store creates the encryption key, the unsubscribe link key and
// the origin header secret (edge-secret, a String parameter) when the stage
// lacks one, and never replaces one; rotate keeps the old keys
// (TOKEN_ENCRYPTION_OLD_KEYS) so every stored value still opens; key-id fails
// when the stage lacks a parameter its functions need at start; edge-id prints
// "" without edge protection, and fails when the stage has it and no secret.
//
// Which X app secrets a stage needs comes from serverless.yml (its
// signinProtocol, twitterConsumerKey and twitterClientId); -protocol
// oauth2|oauth1 overrides the protocol, for a deploy that overrides it too.
//
// Secrets are read from standard input (the Makefile reads the terminal with
// echo off), never from an argument that would land in the shell history, and
// never printed. The work itself is in package keyops.
//
// It uses the SDK's default configuration (profiles, SSO, AWS_REGION, ...),
// including its endpoint overrides: AWS_ENDPOINT_URL_SSM and
// AWS_ENDPOINT_URL_DYNAMODB point it at tools/ssmlocal and DynamoDB Local.

package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/twitter-sessions/twitter-sessions/ops/keyops"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// runKeys runs one of the keys commands (name: "keys rotate", ...).
func runKeys(ctx context.Context, name string, args []string, e env) error {
	stage, protocol, err := parseKeysFlags(name, args)
	if err != nil {
		return err
	}
	secrets, err := appSecrets(stage, protocol)
	if err != nil {
		return err
	}
	cmd := strings.TrimPrefix(name, "keys ")
	if cmd == "prompts" { // no AWS call: the Makefile asks before anything is read
		return keyops.Prompts(secrets, stage, e.out)
	}
	// An operator's machine: profiles, SSO and the rest of the SDK's chain.
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	s := keyops.ForStage(keyops.SSM{Client: ssm.NewFromConfig(awsCfg)}, stage)
	s.Secrets = secrets
	in, out := e.in, e.out
	// key-id and edge-id: stdout is the id alone (or nothing), for $(...) in the Makefile.
	printID := func(id string, err error) error {
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(out, id)
		return err
	}
	switch cmd {
	case "store":
		if err := s.StoreSecrets(ctx, in, out); err != nil {
			return err
		}
		return s.StoreEdgeSecret(ctx, out)
	case "rotate-edge":
		return s.RotateEdgeSecret(ctx, out)
	case "edge-id":
		on, err := edgeProtection(stage)
		if err != nil {
			return err
		}
		return printID(s.EdgeID(ctx, on))
	case "rotate":
		return s.Rotate(ctx, out)
	case "reseal", "retire":
		return runOnTables(ctx, cmd, stage, s, dynamodb.NewFromConfig(awsCfg), out)
	default: // key-id
		return printID(s.KeyID(ctx))
	}
}

// runOnTables runs reseal or retire on the stage's tables, named as
// serverless.yml names them for the functions.
func runOnTables(ctx context.Context, cmd, stage string, s keyops.Stage, db *dynamodb.Client, out io.Writer) error {
	tables, err := stageTables(stage)
	if err != nil {
		return err
	}
	if cmd == "reseal" {
		return s.Reseal(ctx, db, tables.Users, out)
	}
	return s.RetireKeys(ctx, db, tables, time.Now(), out)
}

// parseKeysFlags parses the flags every keys command takes.
func parseKeysFlags(name string, args []string) (stage, protocol string, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&stage, "stage", "", "stage (staging, production)")
	fs.StringVar(&protocol, "protocol", "", "sign-in protocol (oauth2, oauth1); default: the stage's signinProtocol in serverless.yml")
	if err := parseFlags(fs, args, false); err != nil {
		return "", "", err
	}
	if stage == "" {
		return "", "", usageError{msg: "-stage is required"}
	}
	return stage, protocol, nil
}

// appSecrets reads the stage's X app from serverless.yml (the environment
// its functions get) and lists the secrets they read; protocol, when not
// empty, overrides the stage's.
func appSecrets(stage, protocol string) ([]keyops.Secret, error) {
	env, err := stageEnv(stage, "SIGNIN_PROTOCOL", "TWITTER_CONSUMER_KEY", "TWITTER_CLIENT_ID")
	if err != nil {
		return nil, err
	}
	app := keyops.App{Protocol: cmp.Or(protocol, env["SIGNIN_PROTOCOL"]), ConsumerKey: env["TWITTER_CONSUMER_KEY"], ClientID: env["TWITTER_CLIENT_ID"]}
	return app.Secrets()
}

// stageTables are the stage's users and sessions tables as serverless.yml
// names them for its functions (TWITTER_TABLE, SESSION_TABLE).
func stageTables(stage string) (keyops.Tables, error) {
	env, err := stageEnv(stage, "TWITTER_TABLE", "SESSION_TABLE")
	return keyops.Tables{Users: env["TWITTER_TABLE"], Sessions: env["SESSION_TABLE"]}, err
}

// edgeProtection reads the stage's EDGE_PROTECTION from serverless.yml (its
// edgeProtection param).
func edgeProtection(stage string) (bool, error) {
	env, err := stageEnv(stage, "EDGE_PROTECTION")
	return env["EDGE_PROTECTION"] == "true", err
}

// stageEnv reads the variables names of the environment serverless.yml
// gives stage's functions, in one read of the file.
func stageEnv(stage string, names ...string) (map[string]string, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	f, err := slsyml.Read(root, stage)
	if err != nil {
		return nil, err
	}
	env := make(map[string]string, len(names))
	for _, name := range names {
		var v string
		if err := f.Decode("provider.environment."+name, &v); err != nil {
			return nil, err
		}
		env[name] = v
	}
	return env, nil
}

// repoRoot is the repository tws runs in, whose serverless.yml it reads.
func repoRoot() (string, error) {
	root, err := slsyml.RepoRoot()
	if err != nil {
		return "", fmt.Errorf("%w: run tws in the repository's folder (it reads serverless.yml)", err)
	}
	return root, nil
}
