package keyops

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
)

// memStore is the commands' logic's view of SSM; tools/ssmlocal and the
// SDK's client are exercised by the keys command's own test and by
// integration/signin's rotation test.
type memStore struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memStore) Get(_ context.Context, name string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[name]
	return v, ok, nil
}

func (s *memStore) Put(_ context.Context, name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[name] = value
	return nil
}

func (s *memStore) Delete(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, name)
	return nil
}

// PutString: the memory store keeps both kinds alike.
func (s *memStore) PutString(ctx context.Context, name, value string) error {
	return s.Put(ctx, name, value)
}

func newStage() (Stage, *memStore) {
	m := &memStore{m: map[string]string{}}
	return ForStage(m, "staging"), m
}

const secret = "x-consumer-secret-0123456789abcdefghijklmnopqrstuvwxyz012345"

func randomKey(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, seal.KeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func b64(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

func TestStoreRotateKeepsEveryValueOpenable(t *testing.T) {
	ctx := context.Background()
	p, m := newStage()
	var out bytes.Buffer

	if err := p.StoreSecrets(ctx, strings.NewReader(secret+"\n"), &out); err != nil {
		t.Fatal(err)
	}
	first := m.m["/twitter-sessions/staging/token-encryption-key"]
	if m.m["/twitter-sessions/staging/twitter-consumer-secret"] != secret || first == "" {
		t.Fatalf("stored %v", m.m)
	}
	for _, v := range m.m {
		if v != secret && strings.Contains(out.String(), v) {
			t.Fatal("a secret was printed")
		}
	}
	if strings.Contains(out.String(), secret) {
		t.Fatal("the consumer secret was printed")
	}
	k1, _ := seal.ParseKey(first)
	s1, _ := seal.New(k1)
	sealed, _ := s1.Seal("token", "token:1")

	t.Run("storing again keeps the encryption key and the link key", func(t *testing.T) {
		link := m.m["/twitter-sessions/staging/link-signing-key"]
		if err := p.StoreSecrets(ctx, strings.NewReader(secret), &out); err != nil {
			t.Fatal(err)
		}
		if m.m["/twitter-sessions/staging/token-encryption-key"] != first {
			t.Fatal("make secrets replaced the encryption key: every stored token would be lost")
		}
		if m.m["/twitter-sessions/staging/link-signing-key"] != link {
			t.Fatal("make secrets replaced the link key: every link sent would break")
		}
	})
	t.Run("a too short secret is refused", func(t *testing.T) {
		if err := p.StoreSecrets(ctx, strings.NewReader("\n"), &out); err == nil {
			t.Fatal("accepted an empty secret")
		}
	})
	t.Run("two rotations keep both previous keys and old values still open", func(t *testing.T) {
		for range 2 {
			if err := p.Rotate(ctx, &out); err != nil {
				t.Fatal(err)
			}
		}
		cur, _ := seal.ParseKey(m.m["/twitter-sessions/staging/token-encryption-key"])
		var olds [][]byte
		for _, k := range strings.Split(m.m["/twitter-sessions/staging/token-encryption-old-keys"], ",") {
			b, err := seal.ParseKey(k)
			if err != nil {
				t.Fatal(err)
			}
			olds = append(olds, b)
		}
		if len(olds) != 2 || bytes.Equal(cur, k1) {
			t.Fatalf("old keys %d", len(olds))
		}
		ring, _ := seal.New(cur, olds...)
		if v, err := ring.Open(sealed, "token:1"); err != nil || v != "token" {
			t.Fatalf("a value sealed before the rotations: %q %v", v, err)
		}
	})
	t.Run("key-id names the current key, never showing it", func(t *testing.T) {
		id, err := p.KeyID(ctx)
		cur, _ := seal.ParseKey(m.m["/twitter-sessions/staging/token-encryption-key"])
		if err != nil || id != seal.KeyID(cur) {
			t.Fatalf("KeyID = %q, %v", id, err)
		}
	})
}

func TestRotateAndKeyIDNeedAKey(t *testing.T) {
	p, _ := newStage()
	if err := p.Rotate(context.Background(), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "make secrets") {
		t.Fatalf("rotate: %v", err)
	}
	if _, err := p.KeyID(context.Background()); err == nil || !strings.Contains(err.Error(), "make secrets") {
		t.Fatalf("key-id: %v", err)
	}
}

// Unsubscribe links used to be signed with a key derived from the token
// encryption key. The first make secrets that creates the link key stores
// those derived keys as verify-only link keys, so links already in inboxes
// keep working after the encryption keys are rotated away.
func TestStoreSecretsCreatesTheLinkKey(t *testing.T) {
	ctx := context.Background()
	const uid = "1234567890123456789"
	base, _ := url.Parse("https://api.brand.example/api/unsubscribe")

	tests := []struct {
		name      string
		stored    func(t *testing.T) (cur []byte, old [][]byte) // the encryption keys before make secrets
		oldLinks  string                                        // link-signing-old-keys before make secrets
		wantLines []string
	}{
		{
			name:      "a fresh stage gets both keys and no old link keys (no link was ever signed)",
			stored:    func(*testing.T) ([]byte, [][]byte) { return nil, nil },
			wantLines: []string{"created /twitter-sessions/staging/token-encryption-key", "created /twitter-sessions/staging/link-signing-key"},
		},
		{
			name: "a stage with a current and two old encryption keys keeps the links signed under each of them",
			stored: func(t *testing.T) ([]byte, [][]byte) {
				return randomKey(t), [][]byte{randomKey(t), randomKey(t)}
			},
			wantLines: []string{"kept the existing /twitter-sessions/staging/token-encryption-key", "stored /twitter-sessions/staging/link-signing-old-keys: the link keys derived from the 3 token encryption key(s)", "created /twitter-sessions/staging/link-signing-key"},
		},
		{
			name:      "old link keys already stored are kept beside the derived ones",
			stored:    func(t *testing.T) ([]byte, [][]byte) { return randomKey(t), nil },
			oldLinks:  "OPERATOR",
			wantLines: []string{"stored /twitter-sessions/staging/link-signing-old-keys", "created /twitter-sessions/staging/link-signing-key"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, m := newStage()
			cur, old := tc.stored(t)
			encKeys := [][]byte{}
			if cur != nil {
				m.m[p.Name(EncryptionKey)] = b64(cur)
				encKeys = append(encKeys, cur)
				var list []string
				for _, k := range old {
					list = append(list, b64(k))
					encKeys = append(encKeys, k)
				}
				if len(list) > 0 {
					m.m[p.Name(EncryptionOld)] = strings.Join(list, ",")
				}
			}
			var operatorKey []byte
			if tc.oldLinks != "" {
				operatorKey = randomKey(t)
				m.m[p.Name(LinkOld)] = b64(operatorKey)
			}
			var out bytes.Buffer
			if err := p.StoreSecrets(ctx, strings.NewReader(secret), &out); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.wantLines {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			linkKey, err := seal.ParseKey(m.m[p.Name(LinkKey)])
			if err != nil {
				t.Fatalf("link key: %v", err)
			}
			for _, k := range append(encKeys, linkKey) {
				if strings.Contains(out.String(), b64(k)) || strings.Contains(out.String(), b64(unsubscribe.LegacyLinkKey(k))) {
					t.Fatal("a key was printed")
				}
			}
			oldList, hasOld := m.m[p.Name(LinkOld)]
			if len(encKeys) == 0 {
				if hasOld {
					t.Fatalf("old link keys %q on a fresh stage", oldList)
				}
				return
			}
			// What the functions do with them (config parses each with
			// seal.ParseKey; app.UnsubscribeLinks verifies under them), with
			// the encryption keys already dropped.
			var verify [][]byte
			for _, s := range strings.Split(oldList, ",") {
				k, err := seal.ParseKey(s)
				if err != nil {
					t.Fatalf("an old link key the functions would refuse: %v", err)
				}
				verify = append(verify, k)
			}
			links := unsubscribe.NewLinks(base, linkKey, verify...)
			for i, k := range encKeys {
				sent, _ := url.Parse(unsubscribe.NewLinks(base, unsubscribe.LegacyLinkKey(k)).URL(uid))
				if !links.Verify(uid, sent.Query().Get("sig")) {
					t.Errorf("a link signed under encryption key %d no longer verifies", i)
				}
			}
			if operatorKey != nil && !strings.Contains(oldList, b64(operatorKey)) {
				t.Error("an old link key already stored was dropped")
			}

			before := oldList
			if err := p.StoreSecrets(ctx, strings.NewReader(secret), &out); err != nil {
				t.Fatal(err)
			}
			if m.m[p.Name(LinkOld)] != before {
				t.Error("running make secrets again changed the old link keys")
			}
		})
	}
}

// A stage set up before links had their own key: deploying it would give
// functions that cannot start, so key-id (which make deploy runs first)
// refuses and says how to fix it.
func TestKeyIDNeedsTheLinkKey(t *testing.T) {
	p, m := newStage()
	key, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	m.m[p.Name(EncryptionKey)] = key
	if _, err := p.KeyID(context.Background()); err == nil || !strings.Contains(err.Error(), "run make secrets once") {
		t.Fatalf("key-id without a link key: %v", err)
	}
	m.m[p.Name(LinkKey)] = key
	if _, err := p.KeyID(context.Background()); err == nil || !strings.Contains(err.Error(), ConsumerSecret) {
		t.Fatalf("key-id without the consumer secret: %v", err)
	}
	m.m[p.Name(ConsumerSecret)] = secret
	if id, err := p.KeyID(context.Background()); err != nil || id == "" {
		t.Fatalf("key-id with both keys and the secret: %q %v", id, err)
	}
}
