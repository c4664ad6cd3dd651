// Command keys manages a stage's secrets in SSM Parameter Store and the
// rotation of the token encryption key (make secrets / rotate-key / reseal):
//
//	keys store  -stage S   read the X consumer secret on stdin, store it; create the
//	                       encryption key if the stage has none (never replace it)
//	keys rotate -stage S   make a new encryption key current, keeping the old ones
//	                       (TOKEN_ENCRYPTION_OLD_KEYS) so every stored value still opens
//	keys reseal -stage S   re-encrypt every user's tokens with the current key, after
//	                       which the old keys can be dropped
//
// Secrets are read from standard input (the Makefile reads the terminal with
// echo off), never from an argument that would land in the shell history, and
// never printed.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/users"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd := os.Args[1]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	stage := fs.String("stage", "", "stage (staging, production)")
	_ = fs.Parse(os.Args[2:])
	if *stage == "" {
		usage()
	}
	ctx := context.Background()
	// An operator's machine: profiles, SSO and the rest of the SDK's chain.
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		fail(err)
	}
	p := params{store: ssmStore{ssm.NewFromConfig(awsCfg)}, prefix: "/twitter-sessions/" + *stage}
	switch cmd {
	case "store":
		err = p.storeSecrets(ctx, os.Stdin, os.Stdout)
	case "rotate":
		err = p.rotate(ctx, os.Stdout)
	case "reseal":
		err = p.reseal(ctx, dynamodb.NewFromConfig(awsCfg), *stage+"_twitter", os.Stdout)
	default:
		usage()
	}
	if err != nil {
		fail(err)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: keys store|rotate|reseal -stage STAGE")
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "keys:", err)
	os.Exit(1)
}

// paramStore is the part of SSM the commands use.
type paramStore interface {
	Get(ctx context.Context, name string) (string, bool, error)
	Put(ctx context.Context, name, value string) error
}

type params struct {
	store  paramStore
	prefix string
}

func (p params) name(s string) string { return p.prefix + "/" + s }

func newKey() (string, error) {
	b := make([]byte, seal.KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func (p params) storeSecrets(ctx context.Context, in io.Reader, out io.Writer) error {
	secret, _ := bufio.NewReader(in).ReadString('\n')
	secret = strings.TrimSpace(secret)
	if len(secret) < 20 {
		return errors.New("the consumer secret read from stdin is empty or too short (X's API key secrets are 50 characters)")
	}
	if err := p.store.Put(ctx, p.name("twitter-consumer-secret"), secret); err != nil {
		return err
	}
	fmt.Fprintf(out, "stored %s\n", p.name("twitter-consumer-secret"))
	if _, ok, err := p.store.Get(ctx, p.name("token-encryption-key")); err != nil {
		return err
	} else if ok {
		fmt.Fprintf(out, "kept the existing %s (rotate it with make rotate-key)\n", p.name("token-encryption-key"))
		return nil
	}
	k, err := newKey()
	if err != nil {
		return err
	}
	if err := p.store.Put(ctx, p.name("token-encryption-key"), k); err != nil {
		return err
	}
	kb, _ := seal.ParseKey(k)
	fmt.Fprintf(out, "created %s (key id %s)\n", p.name("token-encryption-key"), seal.KeyID(kb))
	return nil
}

// rotate writes the old keys first, then the new current key, so that a
// function starting at any moment can open every stored value.
func (p params) rotate(ctx context.Context, out io.Writer) error {
	cur, ok, err := p.store.Get(ctx, p.name("token-encryption-key"))
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("the stage has no encryption key yet: run make secrets first")
	}
	old, _, err := p.store.Get(ctx, p.name("token-encryption-old-keys"))
	if err != nil {
		return err
	}
	keys := []string{cur}
	for _, k := range strings.Split(old, ",") {
		if k = strings.TrimSpace(k); k != "" && k != cur {
			keys = append(keys, k)
		}
	}
	if err := p.store.Put(ctx, p.name("token-encryption-old-keys"), strings.Join(keys, ",")); err != nil {
		return err
	}
	next, err := newKey()
	if err != nil {
		return err
	}
	if err := p.store.Put(ctx, p.name("token-encryption-key"), next); err != nil {
		return err
	}
	nb, _ := seal.ParseKey(next)
	fmt.Fprintf(out, "new current key %s; %d old key(s) kept for opening. Next: make deploy (recycle warm functions), then make reseal.\n", seal.KeyID(nb), len(keys))
	return nil
}

func (p params) reseal(ctx context.Context, db *dynamodb.Client, table string, out io.Writer) error {
	cur, ok, err := p.store.Get(ctx, p.name("token-encryption-key"))
	if err != nil || !ok {
		return fmt.Errorf("reading the current key: %v", err)
	}
	old, _, err := p.store.Get(ctx, p.name("token-encryption-old-keys"))
	if err != nil {
		return err
	}
	var keys [][]byte
	for _, k := range append([]string{cur}, strings.Split(old, ",")...) {
		if strings.TrimSpace(k) == "" {
			continue
		}
		b, err := seal.ParseKey(k)
		if err != nil {
			return fmt.Errorf("a stored key %w", err)
		}
		keys = append(keys, b)
	}
	s, err := seal.New(keys[0], keys[1:]...)
	if err != nil {
		return err
	}
	st, err := users.New(db, table, s).Reseal(ctx, s.CurrentKeyID())
	fmt.Fprintf(out, "%s: scanned %d, re-sealed %d, already current %d, changed meanwhile %d, unreadable %d\n", table, st.Scanned, st.Resealed, st.Current, st.Skipped, st.Failed)
	return err
}

type ssmStore struct{ c *ssm.Client }

func (s ssmStore) Get(ctx context.Context, name string) (string, bool, error) {
	out, err := s.c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	var nf *types.ParameterNotFound
	if errors.As(err, &nf) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return aws.ToString(out.Parameter.Value), true, nil
}

func (s ssmStore) Put(ctx context.Context, name, value string) error {
	_, err := s.c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true)})
	return err
}
