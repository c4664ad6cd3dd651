package seal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/testclock"
)

// randomKey is a fresh AES-256 key from crypto/rand.
func randomKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func mustNew(t *testing.T, current []byte, old ...[]byte) *Sealer {
	t.Helper()
	s, err := New(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSeal(t *testing.T, s interface {
	Seal(string, string) (string, error)
}, plain, context string) string {
	t.Helper()
	v, err := s.Seal(plain, context)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// store is the keys "in SSM": what a reload reads. It counts the reloads.
type store struct {
	mu      sync.Mutex
	keys    [][]byte
	err     error
	calls   atomic.Int64
	entered chan struct{} // when set, a reload signals here, then waits for release
	release chan struct{}
}

func (s *store) set(keys ...[]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func (s *store) reload(ctx context.Context) (*Sealer, error) {
	s.calls.Add(1)
	if s.entered != nil {
		s.entered <- struct{}{}
		<-s.release
	}
	if _, ok := ctx.Deadline(); !ok {
		return nil, errors.New("a reload without a deadline")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	return New(s.keys[0], s.keys[1:]...)
}

func TestKeyringReloadsOnAnUnknownKeyID(t *testing.T) {
	k1, k2 := randomKey(t), randomKey(t)
	ssm := &store{}
	ssm.set(k1)
	clk := testclock.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	ring := NewKeyring(mustNew(t, k1), ssm.reload)
	ring.Now = clk.Now
	rotated := mustNew(t, k2, k1) // another function, started after the rotation

	t.Run("values under a known key open without a reload", func(t *testing.T) {
		v := mustSeal(t, ring, "token", "token:1")
		if got, err := ring.Open(v, "token:1"); err != nil || got != "token" {
			t.Fatalf("Open = %q, %v", got, err)
		}
		if ssm.calls.Load() != 0 {
			t.Fatalf("%d reloads on the happy path", ssm.calls.Load())
		}
	})
	t.Run("a tampered value under a known key does not reload", func(t *testing.T) {
		v := mustSeal(t, ring, "token", "token:1")
		if _, err := ring.Open(v, "token:2"); !errors.Is(err, ErrOpen) {
			t.Fatalf("another context: %v", err)
		}
		if _, err := ring.Open("not a sealed value", "token:1"); !errors.Is(err, ErrOpen) {
			t.Fatalf("garbage: %v", err)
		}
		if ssm.calls.Load() != 0 {
			t.Fatalf("%d reloads for values new keys cannot open", ssm.calls.Load())
		}
	})
	t.Run("after a rotation the new key's values open after one reload, and Seal uses the new key", func(t *testing.T) {
		ssm.set(k2, k1)
		v := mustSeal(t, rotated, "token", "token:1")
		if got, err := ring.Open(v, "token:1"); err != nil || got != "token" {
			t.Fatalf("Open = %q, %v", got, err)
		}
		if ssm.calls.Load() != 1 {
			t.Fatalf("%d reloads, want 1", ssm.calls.Load())
		}
		if id, _ := KeyIDOf(mustSeal(t, ring, "token", "token:1")); id != KeyID(k2) || ring.CurrentKeyID() != KeyID(k2) {
			t.Fatalf("sealed with key %s after the reload, want the new current key %s", id, KeyID(k2))
		}
		old := mustSeal(t, mustNew(t, k1), "old", "token:1")
		if got, err := ring.Open(old, "token:1"); err != nil || got != "old" {
			t.Fatalf("a value under the old key: %q, %v", got, err)
		}
	})
	t.Run("another unknown key within a minute makes no reload and fails", func(t *testing.T) {
		k3 := randomKey(t)
		ssm.set(k3, k2, k1)
		v := mustSeal(t, mustNew(t, k3), "token", "token:1")
		clk.Advance(59 * time.Second)
		_, err := ring.Open(v, "token:1")
		if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "at most once per 1m0s") {
			t.Fatalf("err = %v", err)
		}
		if ssm.calls.Load() != 1 {
			t.Fatalf("%d reloads within a minute, want still 1", ssm.calls.Load())
		}
		clk.Advance(time.Second)
		if got, err := ring.Open(v, "token:1"); err != nil || got != "token" {
			t.Fatalf("a minute later: %q, %v", got, err)
		}
		if ssm.calls.Load() != 2 {
			t.Fatalf("%d reloads, want 2", ssm.calls.Load())
		}
	})
}

// Many goroutines of a warm function meet values under a new key at once:
// one reload serves them all, and the throttle holds for the rest of the
// minute.
func TestKeyringReloadsOnceForConcurrentMisses(t *testing.T) {
	const goroutines = 64
	k1, k2 := randomKey(t), randomKey(t)
	ssm := &store{entered: make(chan struct{}, 1), release: make(chan struct{})}
	ssm.set(k2, k1)
	clk := testclock.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	ring := NewKeyring(mustNew(t, k1), ssm.reload)
	ring.Now = clk.Now
	newKey := mustNew(t, k2)
	unknown := mustNew(t, randomKey(t)) // a key no reload will ever bring

	tests := []struct {
		name        string
		sealer      *Sealer
		reloads     bool // this case starts the reload (which the test holds until all goroutines run)
		wantOpen    bool
		wantReloads int64
	}{
		{"values under the rotated key all open after a single reload", newKey, true, true, 1},
		{"values under a key SSM does not hold all fail within the minute without another reload", unknown, false, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			values := make([]string, goroutines)
			for i := range values {
				values[i] = mustSeal(t, tc.sealer, "token", "token:1")
			}
			var wg, started sync.WaitGroup
			var opened, failed atomic.Int64
			for i := range goroutines {
				wg.Add(1)
				started.Add(1)
				go func() {
					defer wg.Done()
					started.Done()
					if got, err := ring.Open(values[i], "token:1"); err == nil && got == "token" {
						opened.Add(1)
					} else if errors.Is(err, ErrOpen) {
						failed.Add(1)
					}
				}()
			}
			if tc.reloads {
				<-ssm.entered // the one reload is under way: the others pile up behind it
				started.Wait()
				clk.Advance(time.Second)
				close(ssm.release)
			}
			wg.Wait()
			if got := ssm.calls.Load(); got != tc.wantReloads {
				t.Fatalf("%d reloads, want %d", got, tc.wantReloads)
			}
			if tc.wantOpen && opened.Load() != goroutines {
				t.Fatalf("%d of %d opened", opened.Load(), goroutines)
			}
			if !tc.wantOpen && failed.Load() != goroutines {
				t.Fatalf("%d of %d failed with ErrOpen", failed.Load(), goroutines)
			}
		})
	}
}

func TestKeyringReloadFailure(t *testing.T) {
	k1, k2 := randomKey(t), randomKey(t)
	ssm := &store{err: errors.New("ssm: GetParameters answered 400 AccessDeniedException: not allowed")}
	ssm.set(k2, k1)
	clk := testclock.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	ring := NewKeyring(mustNew(t, k1), ssm.reload)
	ring.Now = clk.Now
	v := mustSeal(t, mustNew(t, k2), "token", "token:1")

	_, err := ring.Open(v, "token:1")
	if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Fatalf("err = %v, want ErrOpen naming the reload's failure", err)
	}
	for _, k := range [][]byte{k1, k2} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
			if strings.Contains(err.Error(), enc.EncodeToString(k)) {
				t.Fatal("a key in the error")
			}
		}
	}
	if ring.CurrentKeyID() != KeyID(k1) {
		t.Fatal("a failed reload changed the keys")
	}
	ssm.mu.Lock()
	ssm.err = nil
	ssm.mu.Unlock()
	if _, err := ring.Open(v, "token:1"); err == nil || ssm.calls.Load() != 1 {
		t.Fatalf("a failed reload is throttled too: err %v, %d reloads", err, ssm.calls.Load())
	}
	clk.Advance(ReloadEvery)
	if _, err := ring.Open(v, "token:1"); err != nil || ssm.calls.Load() != 2 {
		t.Fatalf("a minute later: err %v, %d reloads", err, ssm.calls.Load())
	}
}

func TestKeyringWithoutReloadIsItsSealer(t *testing.T) {
	k1 := randomKey(t)
	ring := NewKeyring(mustNew(t, k1), nil)
	v := mustSeal(t, ring, "token", "token:1")
	if got, err := ring.Open(v, "token:1"); err != nil || got != "token" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other := mustSeal(t, mustNew(t, randomKey(t)), "token", "token:1")
	if _, err := ring.Open(other, "token:1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("an unknown key: %v", err)
	}
}

// A function that read the keys before the rotation its deploy was made
// for (a cold start in the middle of make rotate-key) knows the deployed key
// id: it re-reads the keys at its first seal instead of sealing with the old
// key until some value under the new one makes it reload.
func TestKeyringSealsWithTheDeployedKey(t *testing.T) {
	k1, k2 := randomKey(t), randomKey(t)
	clk := testclock.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))

	t.Run("keys lacking the deployed key are re-read before the first seal", func(t *testing.T) {
		ssm := &store{}
		ssm.set(k2, k1)
		ring := NewKeyring(mustNew(t, k1), ssm.reload)
		ring.Now, ring.Deployed = clk.Now, KeyID(k2)
		for range 3 {
			if id, _ := KeyIDOf(mustSeal(t, ring, "token", "token:1")); id != KeyID(k2) {
				t.Fatalf("sealed with key %s, want the deployed key %s", id, KeyID(k2))
			}
		}
		if n := ssm.calls.Load(); n != 1 {
			t.Fatalf("%d reloads, want 1", n)
		}
	})
	t.Run("keys newer than the deploy are kept", func(t *testing.T) {
		ssm := &store{}
		ssm.set(k2, k1)
		ring := NewKeyring(mustNew(t, k2, k1), ssm.reload)
		ring.Now, ring.Deployed = clk.Now, KeyID(k1) // rotate-key ran after the deploy
		if id, _ := KeyIDOf(mustSeal(t, ring, "token", "token:1")); id != KeyID(k2) || ssm.calls.Load() != 0 {
			t.Fatalf("sealed with key %s after %d reloads, want %s and none", id, ssm.calls.Load(), KeyID(k2))
		}
	})
	t.Run("a deployed key SSM does not have is looked for at most once a minute", func(t *testing.T) {
		ssm := &store{}
		ssm.set(k1)
		ring := NewKeyring(mustNew(t, k1), ssm.reload)
		ring.Now, ring.Deployed = clk.Now, "0badc0de"
		for range 5 {
			if id, _ := KeyIDOf(mustSeal(t, ring, "token", "token:1")); id != KeyID(k1) {
				t.Fatalf("sealed with %s, want the keys held (%s)", id, KeyID(k1))
			}
		}
		if n := ssm.calls.Load(); n != 1 {
			t.Fatalf("%d reloads within a minute, want 1", n)
		}
		clk.Advance(ReloadEvery)
		mustSeal(t, ring, "token", "token:1")
		if n := ssm.calls.Load(); n != 2 {
			t.Fatalf("%d reloads a minute later, want 2", n)
		}
	})
}
