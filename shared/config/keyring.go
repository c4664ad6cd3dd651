package config

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
)

// ReadKeys reads the token encryption keys as SSM Parameter Store holds them
// now, with one GetParameters call for both parameters: the current key
// first, then the old keys. The old-keys parameter may be missing (or
// unnamed). Errors name parameters, never a key.
func ReadKeys(ctx context.Context, src SecretSource, p KeyParams) (Keys, error) {
	if p.Current == "" {
		return nil, errors.New("config: no SSM parameter names the token encryption key")
	}
	names := []string{p.Current}
	if p.Old != "" {
		names = append(names, p.Old)
	}
	values, err := src.GetParameters(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("config: reading %s from SSM Parameter Store: %w", strings.Join(names, ", "), err)
	}
	cur, ok := values[p.Current]
	if !ok {
		return nil, fmt.Errorf("config: SSM parameter %s (for TOKEN_ENCRYPTION_KEY) does not exist", p.Current)
	}
	k, err := seal.ParseKey(cur)
	if err != nil {
		return nil, fmt.Errorf("config: SSM parameter %s %w", p.Current, err)
	}
	keys := Keys{k}
	if p.Old == "" {
		return keys, nil
	}
	old, err := seal.ParseKeyList(values[p.Old])
	if err != nil {
		return nil, fmt.Errorf("config: SSM parameter %s %w", p.Old, err)
	}
	return append(keys, old...), nil
}

// KeyReload returns how a warm function re-reads its token encryption keys
// (a seal.Reload for seal.NewKeyring): ReadKeys from src, then a Sealer of
// them. It is nil when the current key did not come from SSM (a local stage,
// tests: keys given directly cannot change). Old keys given directly, beside
// a current key from SSM, are kept in every reload, as Load keeps them.
func KeyReload(env Env, c *Config, src SecretSource) seal.Reload {
	p := c.EncryptionKeySSM
	if p.Current == "" || given(env, "TOKEN_ENCRYPTION_KEY") {
		return nil
	}
	var fixed Keys
	if given(env, "TOKEN_ENCRYPTION_OLD_KEYS") { // a value beats its _SSM name
		p.Old = ""
		fixed = append(fixed, c.EncryptionKeys[1:]...)
	}
	return func(ctx context.Context) (*seal.Sealer, error) {
		keys, err := ReadKeys(ctx, src, p)
		if err != nil {
			return nil, err
		}
		keys = append(keys, fixed...)
		return seal.New(keys[0], keys[1:]...)
	}
}

func given(env Env, name string) bool { return strings.TrimSpace(env(name)) != "" }
