package seal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"
)

// ReloadEvery is the least time between two reloads of a Keyring. A value
// naming a key id the function does not know (a rotation since its cold
// start, or a forged value) therefore costs at most one read of the keys a
// minute per function instance, however many requests meet it.
const ReloadEvery = time.Minute

// ReloadTimeout bounds one reload. Seal and Open take no context (their
// callers' interfaces predate rotation), so the reload brings its own.
const ReloadTimeout = 3 * time.Second

// Reload builds a Sealer from the keys as they are stored now (on deployed
// stages: one read of SSM Parameter Store). Its errors must not contain key
// material: they end up in Open's error.
type Reload func(ctx context.Context) (*Sealer, error)

// Keyring is a Sealer whose keys can change while the process runs. A warm
// Lambda keeps the keys it read at its cold start; after make rotate-key and
// make reseal, the values it reads are sealed with a key it never saw. When
// Open meets such a key id, the Keyring reloads the keys (at most once per
// ReloadEvery, one reload shared by all goroutines) and tries once more; from
// then on Seal uses the reloaded current key. A value whose key id is known
// never causes a reload, so the happy path costs nothing.
//
// It is safe for concurrent use. A Keyring without a Reload behaves exactly
// as its Sealer.
type Keyring struct {
	// Now is the clock of the throttle (time.Now when nil). Set it before the
	// Keyring is used.
	Now func() time.Time
	// Deployed is the id of the key the function was deployed to seal with
	// (TOKEN_ENCRYPTION_KEY_ID; "" when unknown). While the keys held lack it
	// (they were read before the rotation that made it current, e.g. by a
	// cold start in the middle of make rotate-key), Seal reloads the keys
	// first, under the same throttle, rather than go on sealing with a key
	// about to be retired until some value makes it reload. Keys that hold
	// it as an old key are newer than the deploy: they are kept. Set it
	// before the Keyring is used.
	Deployed string

	reload Reload
	sealer atomic.Pointer[Sealer]

	mu       sync.Mutex
	tried    bool      // a reload has started at least once
	last     time.Time // when the last reload started
	inflight *reloadCall
}

// reloadCall is one reload that goroutines arriving meanwhile wait for.
type reloadCall struct {
	done chan struct{}
	err  error // written before done is closed
}

// NewKeyring returns a Keyring that starts with s and, when Open meets an
// unknown key id, replaces s with what reload returns. reload may be nil
// (keys that cannot change: a local stage, tests).
func NewKeyring(s *Sealer, reload Reload) *Keyring {
	k := &Keyring{reload: reload}
	k.sealer.Store(s)
	return k
}

// Sealer returns the Sealer in use now.
func (k *Keyring) Sealer() *Sealer { return k.sealer.Load() }

// CurrentKeyID is the id of the key new values are sealed with now.
func (k *Keyring) CurrentKeyID() string { return k.sealer.Load().CurrentKeyID() }

// Seal seals with the current key of the latest keys read. When those lack
// the Deployed key, it reloads them first (see Deployed); if the reload
// fails or is throttled, it seals with the keys held, which every function
// still opens.
func (k *Keyring) Seal(plaintext, context string) (string, error) {
	if k.reload != nil && k.Deployed != "" && !k.sealer.Load().has(k.Deployed) {
		_ = k.refresh(k.Deployed) // a failed reload is logged by the Reload
	}
	return k.sealer.Load().Seal(plaintext, context)
}

// Open opens a value sealed with any key of the latest keys read. A value
// naming a key id they lack makes the Keyring reload the keys first (see
// Keyring); if that does not bring the key either, the error is ErrOpen's.
func (k *Keyring) Open(sealed, context string) (string, error) {
	s := k.sealer.Load()
	plain, err := s.Open(sealed, context)
	if err == nil || k.reload == nil {
		return plain, err
	}
	id, ok := KeyIDOf(sealed)
	if !ok || s.has(id) {
		return "", err // malformed or not authentic: new keys would not help
	}
	if rerr := k.refresh(id); rerr != nil {
		return "", fmt.Errorf("%w (%w)", err, rerr)
	}
	return k.sealer.Load().Open(sealed, context)
}

// refresh reloads the keys unless they already hold id, a reload is under
// way (it waits for that one and shares its outcome), or the last reload
// started less than ReloadEvery ago.
func (k *Keyring) refresh(id string) error {
	k.mu.Lock()
	if k.sealer.Load().has(id) { // another goroutine's reload brought it
		k.mu.Unlock()
		return nil
	}
	if call := k.inflight; call != nil {
		k.mu.Unlock()
		<-call.done
		return call.err
	}
	now := k.now()
	if k.tried && now.Sub(k.last) < ReloadEvery {
		ago := now.Sub(k.last).Round(time.Second)
		k.mu.Unlock()
		return fmt.Errorf("keys last re-read %v ago; at most once per %v", ago, ReloadEvery)
	}
	// The throttle starts with the attempt, not its success: a failing
	// parameter store is not hammered either.
	k.tried, k.last = true, now
	call := &reloadCall{done: make(chan struct{})}
	k.inflight = call
	k.mu.Unlock()

	call.err = k.load()

	k.mu.Lock()
	k.inflight = nil
	k.mu.Unlock()
	close(call.done)
	return call.err
}

func (k *Keyring) load() error {
	ctx, cancel := context.WithTimeout(context.Background(), ReloadTimeout)
	defer cancel()
	s, err := k.reload(ctx)
	if err != nil {
		return fmt.Errorf("re-reading the keys: %w", err)
	}
	if s == nil {
		return errors.New("re-reading the keys: no keys")
	}
	k.sealer.Store(s)
	return nil
}

func (k *Keyring) now() time.Time { return clock.Now(k.Now) }

// has reports whether the Sealer holds the key named id.
func (s *Sealer) has(id string) bool {
	_, ok := s.aeads[id]
	return ok
}
