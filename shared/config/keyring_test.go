package config

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/tools/ssmlocal"
)

// paramSource is SSM as a map; it records the names of each call.
type paramSource struct {
	values map[string]string
	err    error
	calls  [][]string
}

func (s *paramSource) GetParameters(_ context.Context, names []string) (map[string]string, error) {
	s.calls = append(s.calls, slices.Clone(names))
	if s.err != nil {
		return nil, s.err
	}
	out := map[string]string{}
	for _, n := range names {
		if v, ok := s.values[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

func randomKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, seal.KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func b64(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

func TestReadKeys(t *testing.T) {
	k1, k2, k3 := randomKey(t), randomKey(t), randomKey(t)
	params := KeyParams{Current: "/ts/stage/token-encryption-key", Old: "/ts/stage/token-encryption-old-keys"}
	tests := []struct {
		name      string
		params    KeyParams
		values    map[string]string
		srcErr    error
		wantKeys  [][]byte
		wantErr   string
		wantNames []string
	}{
		{
			name:      "the current key and the old keys come in one call, current first",
			params:    params,
			values:    map[string]string{params.Current: b64(k3), params.Old: b64(k2) + ", " + b64(k1)},
			wantKeys:  [][]byte{k3, k2, k1},
			wantNames: []string{params.Current, params.Old},
		},
		{
			name:      "a missing old-keys parameter is no error",
			params:    params,
			values:    map[string]string{params.Current: b64(k1)},
			wantKeys:  [][]byte{k1},
			wantNames: []string{params.Current, params.Old},
		},
		{
			name:      "an unnamed old-keys parameter is not asked for",
			params:    KeyParams{Current: params.Current},
			values:    map[string]string{params.Current: b64(k1)},
			wantKeys:  [][]byte{k1},
			wantNames: []string{params.Current},
		},
		{
			name:      "a missing current key is an error naming its parameter",
			params:    params,
			values:    map[string]string{params.Old: b64(k1)},
			wantErr:   params.Current + " (for TOKEN_ENCRYPTION_KEY) does not exist",
			wantNames: []string{params.Current, params.Old},
		},
		{
			name:      "a malformed current key is named, not quoted",
			params:    params,
			values:    map[string]string{params.Current: b64(k1[:16])},
			wantErr:   params.Current + " decodes to 16 bytes",
			wantNames: []string{params.Current, params.Old},
		},
		{
			name:      "a malformed old key is named by its position",
			params:    params,
			values:    map[string]string{params.Current: b64(k1), params.Old: b64(k2) + ",not-a-key!"},
			wantErr:   params.Old + " entry 2 is not valid base64",
			wantNames: []string{params.Current, params.Old},
		},
		{
			name:      "SSM's refusal is wrapped",
			params:    params,
			srcErr:    errors.New("AccessDeniedException"),
			wantErr:   "AccessDeniedException",
			wantNames: []string{params.Current, params.Old},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &paramSource{values: tc.values, err: tc.srcErr}
			keys, err := ReadKeys(context.Background(), src, tc.params)
			if len(src.calls) != 1 || !slices.Equal(src.calls[0], tc.wantNames) {
				t.Fatalf("calls %v, want one naming %v", src.calls, tc.wantNames)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				for _, v := range tc.values {
					for _, part := range strings.Split(v, ",") {
						if strings.Contains(err.Error(), strings.TrimSpace(part)) {
							t.Fatal("a stored value in the error")
						}
					}
				}
				return
			}
			if err != nil || len(keys) != len(tc.wantKeys) {
				t.Fatalf("keys %v, err %v", keys, err)
			}
			for i := range keys {
				if !slices.Equal(keys[i], tc.wantKeys[i]) {
					t.Fatalf("key %d differs", i)
				}
			}
		})
	}
}

func TestKeyReload(t *testing.T) {
	k1, k2, direct := randomKey(t), randomKey(t), randomKey(t)
	ssmEnv := map[string]string{
		"TOKEN_ENCRYPTION_KEY_SSM":      "/ts/s/token-encryption-key",
		"TOKEN_ENCRYPTION_OLD_KEYS_SSM": "/ts/s/token-encryption-old-keys",
	}
	cfgFor := func(env map[string]string, keys ...[]byte) *Config {
		return &Config{
			EncryptionKeys: keys,
			EncryptionKeySSM: KeyParams{
				Current: env["TOKEN_ENCRYPTION_KEY_SSM"], Old: env["TOKEN_ENCRYPTION_OLD_KEYS_SSM"],
			},
		}
	}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range ssmEnv {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	t.Run("keys from the environment have nothing to reload", func(t *testing.T) {
		for _, env := range []map[string]string{{}, with(map[string]string{"TOKEN_ENCRYPTION_KEY": b64(k1)})} {
			if KeyReload(func(k string) string { return env[k] }, cfgFor(env, k1), &paramSource{}) != nil {
				t.Fatalf("a reload for %v", env)
			}
		}
	})
	t.Run("a reload reads both parameters in one call and builds a sealer of them", func(t *testing.T) {
		env := ssmEnv
		src := &paramSource{values: map[string]string{env["TOKEN_ENCRYPTION_KEY_SSM"]: b64(k2), env["TOKEN_ENCRYPTION_OLD_KEYS_SSM"]: b64(k1)}}
		reload := KeyReload(func(k string) string { return env[k] }, cfgFor(env, k1), src)
		s, err := reload(context.Background())
		if err != nil || s.CurrentKeyID() != seal.KeyID(k2) || len(src.calls) != 1 {
			t.Fatalf("sealer %v, err %v, calls %v", s, err, src.calls)
		}
		old, _ := seal.New(k1)
		v, _ := old.Seal("token", "token:1")
		if _, err := s.Open(v, "token:1"); err != nil {
			t.Fatalf("an old key's value: %v", err)
		}
	})
	t.Run("old keys given directly are kept and their parameter is not read", func(t *testing.T) {
		env := with(map[string]string{"TOKEN_ENCRYPTION_OLD_KEYS": b64(direct)})
		src := &paramSource{values: map[string]string{env["TOKEN_ENCRYPTION_KEY_SSM"]: b64(k2)}}
		s, err := KeyReload(func(k string) string { return env[k] }, cfgFor(env, k1, direct), src)(context.Background())
		if err != nil || !slices.Equal(src.calls[0], []string{env["TOKEN_ENCRYPTION_KEY_SSM"]}) {
			t.Fatalf("err %v, calls %v", err, src.calls)
		}
		old, _ := seal.New(direct)
		v, _ := old.Seal("token", "token:1")
		if _, err := s.Open(v, "token:1"); err != nil {
			t.Fatalf("a directly given old key's value: %v", err)
		}
	})
}

// Over the wire: the functions' own SSM client, at AWS_ENDPOINT_URL_SSM,
// against the stand-in.
func TestReadKeysThroughTheSSMStandIn(t *testing.T) {
	srv, endpoint := ssmlocal.ForTest(t)
	k1, k2 := randomKey(t), randomKey(t)
	srv.Set("/ts/s/token-encryption-key", b64(k2))
	srv.Set("/ts/s/token-encryption-old-keys", b64(k1))
	env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "x", "AWS_ENDPOINT_URL_SSM": endpoint}
	getenv := func(k string) string { return env[k] }
	aws, err := AWS(getenv)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ReadKeys(context.Background(), SSM{AWS: aws, Endpoint: SSMEndpoint(getenv)}, KeyParams{Current: "/ts/s/token-encryption-key", Old: "/ts/s/token-encryption-old-keys"})
	if err != nil || len(keys) != 2 || seal.KeyID(keys[0]) != seal.KeyID(k2) || srv.Count(ssmlocal.OpGetParameters) != 1 {
		t.Fatalf("keys %v, err %v, calls %+v", keys, err, srv.Calls())
	}
}
