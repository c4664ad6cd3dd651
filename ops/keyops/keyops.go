// Package keyops is what the keys command does (make secrets, rotate-key,
// reseal, and the key id make deploy passes), as functions on injected
// stores and clients so that tests run them against the SSM stand-in
// (tools/ssmlocal) and DynamoDB Local.
//
// No key is ever printed or put in an error: keys are named by their id
// (seal.KeyID).
package keyops

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
)

// The stage's keys, under /twitter-sessions/<stage>/ (serverless.yml's
// custom.ssmPrefix), beside the X app's secrets (secrets.go).
const (
	EncryptionKey = "token-encryption-key"
	EncryptionOld = "token-encryption-old-keys"
	LinkKey       = "link-signing-key"
	LinkOld       = "link-signing-old-keys"
)

// Store is the part of SSM Parameter Store the commands use.
type Store interface {
	// Get returns a parameter's decrypted value; false when it does not exist.
	Get(ctx context.Context, name string) (string, bool, error)
	// Put writes a SecureString, replacing any value.
	Put(ctx context.Context, name, value string) error
	// Delete deletes a parameter; one that does not exist is no error.
	Delete(ctx context.Context, name string) error
}

// Stage is one stage's parameters.
type Stage struct {
	Store  Store
	Prefix string // /twitter-sessions/<stage>
	// Secrets are the X app's secrets the stage's functions read (App.Secrets):
	// what StoreSecrets asks for, and what KeyID checks before a deploy.
	Secrets []Secret
}

// ForStage returns the parameters of stage in store, with the X app's
// secrets of an OAuth 1.0a stage (the consumer secret alone). The keys
// command sets Secrets from the stage's configuration (App.Secrets).
func ForStage(store Store, stage string) Stage {
	return Stage{Store: store, Prefix: "/twitter-sessions/" + stage, Secrets: []Secret{consumerSecret}}
}

// Name is the full name of one of the stage's parameters.
func (s Stage) Name(param string) string { return s.Prefix + "/" + param }

// NewKey returns base64 of KeySize random bytes.
func NewKey() (string, error) {
	b := make([]byte, seal.KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("keys: generating a key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// StoreSecrets is make secrets: it stores the X app's secrets read from in
// (one line each, in the order of s.Secrets), creates the token encryption
// key and the unsubscribe link key when the stage has none (never replacing
// either), and says what it did on out, one line each.
//
// Creating the link key also keeps the links already sent working: before it
// existed, links were signed with a key derived from the token encryption
// key (unsubscribe.LegacyLinkKey). Those derived keys go to link-signing-old-keys
// (verify only), so the links outlive the encryption keys once an operator
// drops them after a rotation.
func (s Stage) StoreSecrets(ctx context.Context, in io.Reader, out io.Writer) error {
	if err := s.storeAppSecrets(ctx, in, out); err != nil {
		return err
	}

	// The encryption keys stored before this run: those that may have signed
	// links (a key created below never did).
	earlier, err := s.encryptionKeys(ctx)
	if err != nil {
		return err
	}
	if len(earlier) > 0 {
		fmt.Fprintf(out, "kept the existing %s (key id %s; rotate it with make rotate-key)\n", s.Name(EncryptionKey), seal.KeyID(earlier[0]))
	} else {
		id, err := s.create(ctx, EncryptionKey)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "created %s (key id %s)\n", s.Name(EncryptionKey), id)
	}
	return s.storeLinkKey(ctx, earlier, out)
}

// storeLinkKey creates the link key if missing. The verify-only old link
// keys are written first: a run that stops in between leaves no link key, so
// running make secrets again does both.
func (s Stage) storeLinkKey(ctx context.Context, encryptionKeys [][]byte, out io.Writer) error {
	if _, ok, err := s.get(ctx, LinkKey); err != nil {
		return err
	} else if ok {
		fmt.Fprintf(out, "kept the existing %s (unsubscribe links)\n", s.Name(LinkKey))
		return nil
	}
	if len(encryptionKeys) > 0 {
		old, _, err := s.get(ctx, LinkOld)
		if err != nil {
			return err
		}
		list := splitKeys(old) // an earlier run's or an operator's entries stay
		for _, k := range encryptionKeys {
			list = appendNew(list, base64.StdEncoding.EncodeToString(unsubscribe.LegacyLinkKey(k)))
		}
		if err := s.put(ctx, LinkOld, strings.Join(list, ",")); err != nil {
			return err
		}
		fmt.Fprintf(out, "stored %s: the link keys derived from the %d token encryption key(s), so unsubscribe links already sent keep working after those keys are dropped\n",
			s.Name(LinkOld), len(encryptionKeys))
	}
	if _, err := s.create(ctx, LinkKey); err != nil {
		return err
	}
	fmt.Fprintf(out, "created %s (unsubscribe links are signed with it from the next deploy)\n", s.Name(LinkKey))
	return nil
}

// create stores a new random key under param and returns its id.
func (s Stage) create(ctx context.Context, param string) (string, error) {
	k, err := NewKey()
	if err != nil {
		return "", err
	}
	if err := s.put(ctx, param, k); err != nil {
		return "", err
	}
	kb, _ := seal.ParseKey(k)
	return seal.KeyID(kb), nil
}

// Rotate is make rotate-key. It writes the old keys first, then the new
// current key, so that a function starting at any moment can open every
// stored value; warm functions re-read the keys when they meet the new one.
func (s Stage) Rotate(ctx context.Context, out io.Writer) error {
	cur, old, ok, err := s.storedEncryptionKeys(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errNoEncryptionKey
	}
	keys := appendNew([]string{strings.TrimSpace(cur)}, splitKeys(old)...)
	if err := s.put(ctx, EncryptionOld, strings.Join(keys, ",")); err != nil {
		return err
	}
	id, err := s.create(ctx, EncryptionKey)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "new current key %s; %d old key(s) kept for opening. Next: make deploy (every function gets the new key id), then make reseal.\n", id, len(keys))
	return nil
}

// KeyID is the id of the stage's current token encryption key (what make
// deploy passes as the tokenEncryptionKeyId param). It fails, before any
// deploy, when the stage lacks a parameter its functions need at start: the
// link key or one of s.Secrets.
func (s Stage) KeyID(ctx context.Context) (string, error) {
	keys, err := s.currentEncryptionKeys(ctx)
	if err != nil {
		return "", err
	}
	// A deploy of a stage without its link key would give functions that
	// refuse to start (LINK_SIGNING_KEY_SSM names a missing parameter): stop
	// here, before anything changes.
	if _, ok, err := s.Store.Get(ctx, s.Name(LinkKey)); err != nil {
		return "", err
	} else if !ok {
		return "", errors.New("the stage has no unsubscribe link key yet (this version signs links with a key of their own): run make secrets once; it keeps the existing keys and links already sent keep working")
	}
	if err := s.checkAppSecrets(ctx); err != nil {
		return "", err
	}
	return seal.KeyID(keys[0]), nil
}

// Reseal is make reseal: it re-encrypts every user's tokens in table that
// are not sealed with the current key.
func (s Stage) Reseal(ctx context.Context, db dynamo.Client, table string, out io.Writer) error {
	keys, err := s.currentEncryptionKeys(ctx)
	if err != nil {
		return err
	}
	sealer, err := seal.New(keys[0], keys[1:]...)
	if err != nil {
		return err
	}
	st, err := userstore.New(db, table, sealer).Reseal(ctx, sealer.CurrentKeyID())
	fmt.Fprintf(out, "%s: scanned %d, re-sealed %d, already current %d, changed meanwhile %d, unreadable %d (current key %s)\n",
		table, st.Scanned, st.Resealed, st.Current, st.Skipped, st.Failed, sealer.CurrentKeyID())
	return err
}

// encryptionKeys reads the stored token encryption keys, current first;
// none when the stage has no current key.
func (s Stage) encryptionKeys(ctx context.Context) ([][]byte, error) {
	cur, old, ok, err := s.storedEncryptionKeys(ctx)
	if err != nil || !ok {
		return nil, err
	}
	var keys [][]byte
	for i, k := range append([]string{cur}, splitKeys(old)...) {
		b, err := seal.ParseKey(k)
		if err != nil {
			name := s.Name(EncryptionKey)
			if i > 0 {
				name = fmt.Sprintf("%s entry %d", s.Name(EncryptionOld), i)
			}
			return nil, fmt.Errorf("the stored key %s %w", name, err)
		}
		keys = append(keys, b)
	}
	return keys, nil
}

var errNoEncryptionKey = errors.New("the stage has no encryption key yet: run make secrets first")

// currentEncryptionKeys is encryptionKeys, and an error when there are none.
func (s Stage) currentEncryptionKeys(ctx context.Context) ([][]byte, error) {
	keys, err := s.encryptionKeys(ctx)
	if err == nil && len(keys) == 0 {
		err = errNoEncryptionKey
	}
	return keys, err
}

// storedEncryptionKeys reads the current token encryption key and the old
// keys' list, as stored; false when the stage has no current key.
func (s Stage) storedEncryptionKeys(ctx context.Context) (cur, old string, ok bool, err error) {
	if cur, ok, err = s.get(ctx, EncryptionKey); err != nil || !ok {
		return "", "", false, err
	}
	if old, _, err = s.get(ctx, EncryptionOld); err != nil {
		return "", "", false, err
	}
	return cur, old, true, nil
}

// get reads one of the stage's parameters; false when it does not exist.
func (s Stage) get(ctx context.Context, param string) (string, bool, error) {
	v, ok, err := s.Store.Get(ctx, s.Name(param))
	if err != nil {
		return "", false, fmt.Errorf("reading %s: %w", s.Name(param), err)
	}
	return v, ok, nil
}

// put writes one of the stage's parameters.
func (s Stage) put(ctx context.Context, param, value string) error {
	if err := s.Store.Put(ctx, s.Name(param), value); err != nil {
		return fmt.Errorf("storing %s: %w", s.Name(param), err)
	}
	return nil
}

// appendNew appends to list the items it does not hold yet.
func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// splitKeys splits a comma-separated list, dropping blanks.
func splitKeys(list string) []string {
	var out []string
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}
