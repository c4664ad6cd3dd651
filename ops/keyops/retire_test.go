package keyops

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/sessionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// hookStore is memStore with a hook after each Delete: what a function
// does at that moment.
type hookStore struct {
	*memStore
	afterDelete func()
}

func (h *hookStore) Delete(ctx context.Context, name string) error {
	err := h.memStore.Delete(ctx, name)
	if h.afterDelete != nil {
		h.afterDelete()
	}
	return err
}

// make retire-keys deletes the old token encryption keys only when no value
// in either table is sealed with one: not while a user's tokens or a live
// sign-in session are under an old key, and not when a function seals with
// an old key while it runs.
func TestRetireKeysDeletesTheOldKeysOnlyWhenNoValueUsesThem(t *testing.T) {
	ctx := context.Background()
	tb := teststack.NewTables(t)
	m := &memStore{m: map[string]string{}}
	store := &hookStore{memStore: m}
	p := ForStage(store, tb.Stage)
	tables := Tables{Users: tb.Users, Sessions: tb.Session}
	var out bytes.Buffer
	if err := p.StoreSecrets(ctx, strings.NewReader(secret+"\n"), &out); err != nil {
		t.Fatal(err)
	}
	k1, _ := seal.ParseKey(m.m[p.Name(EncryptionKey)])
	s1, _ := seal.New(k1)
	now := time.Now()

	const alice, bob = "1234567890123456789", "9007199254740993"
	signIn := func(sealer *seal.Sealer, uid string) {
		t.Helper()
		_, err := userstore.New(tb.DB, tables.Users, sealer).SaveSignIn(ctx, signin.User{
			Identity:   signin.Identity{UserID: uid, ScreenName: "u" + uid[:4], Credentials: signin.Credentials{Token: "tok-" + uid, Secret: "sec-" + uid}},
			SignedInAt: now,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	session := func(sealer *seal.Sealer, key string, ends time.Time) {
		t.Helper()
		err := sessionstore.New(tb.DB, tables.Sessions, sealer).Put(ctx, signin.Session{Key: key, Secret: "verifier-" + key, BindingHash: "b", CreatedAt: now, ExpiresAt: ends})
		if err != nil {
			t.Fatal(err)
		}
	}
	signIn(s1, alice)
	session(s1, "state-live", now.Add(10*time.Minute))
	session(s1, "state-ended", now.Add(-time.Minute))

	retire := func(at time.Time) (string, error) {
		var out bytes.Buffer
		err := p.RetireKeys(ctx, tb.DB, tables, at, &out)
		text := out.String() + errText(err)
		for name, v := range m.m {
			for _, k := range strings.Split(v, ",") {
				if len(k) > 20 && strings.Contains(text, k) {
					t.Fatalf("retire-keys printed the value of %s", name)
				}
			}
		}
		for _, s := range []string{"tok-", "sec-", "verifier-"} {
			if strings.Contains(text, s) {
				t.Fatalf("retire-keys printed a stored value: %s", text)
			}
		}
		t.Logf("make retire-keys printed:\n%s", text)
		return text, err
	}

	t.Run("without old keys there is nothing to retire", func(t *testing.T) {
		if text, err := retire(now); err != nil || !strings.Contains(text, "no old token encryption keys") {
			t.Fatalf("%v: %s", err, text)
		}
	})

	if err := p.Rotate(ctx, &out); err != nil {
		t.Fatal(err)
	}
	id1 := seal.KeyID(k1)
	k2, _ := seal.ParseKey(m.m[p.Name(EncryptionKey)])
	id2 := seal.KeyID(k2)

	t.Run("users' tokens under the old key keep it", func(t *testing.T) {
		text, err := retire(now)
		if !errors.Is(err, ErrOldKeysInUse) {
			t.Fatalf("err %v, want %v: %s", err, ErrOldKeysInUse, text)
		}
		// alice's token and secret, and the live session; the ended one is
		// reported apart.
		if !strings.Contains(text, id1+" (old): 3") || !strings.Contains(text, id2+" (current): 0") || !strings.Contains(text, "already ended") {
			t.Fatalf("counts: %s", text)
		}
		if _, ok := m.m[p.Name(EncryptionOld)]; !ok {
			t.Fatal("the old keys were deleted")
		}
	})

	if err := p.Reseal(ctx, tb.DB, tables.Users, &out); err != nil {
		t.Fatal(err)
	}
	t.Run("a live sign-in session under the old key keeps it", func(t *testing.T) {
		text, err := retire(now)
		if !errors.Is(err, ErrOldKeysInUse) || !strings.Contains(text, id1+" (old): 1") || !strings.Contains(text, id2+" (current): 2") {
			t.Fatalf("err %v: %s", err, text)
		}
	})

	later := now.Add(11 * time.Minute) // the live session has ended
	t.Run("a value sealed with the old key while it runs puts the old keys back", func(t *testing.T) {
		store.afterDelete = func() { signIn(s1, bob) } // a function still sealing with key 1
		defer func() { store.afterDelete = nil }()
		text, err := retire(later)
		if !errors.Is(err, ErrOldKeysInUse) || !strings.Contains(text, "put back") {
			t.Fatalf("err %v: %s", err, text)
		}
		if _, ok := m.m[p.Name(EncryptionOld)]; !ok {
			t.Fatal("the old keys are gone with a value still under one")
		}
	})

	s2, _ := seal.New(k2, k1)
	signIn(s2, bob) // bob signs in again, with the current key
	t.Run("with no value under an old key, the old keys are deleted", func(t *testing.T) {
		text, err := retire(later)
		if err != nil || !strings.Contains(text, "deleted "+p.Name(EncryptionOld)) || !strings.Contains(text, id1+" (old): 0") {
			t.Fatalf("err %v: %s", err, text)
		}
		if _, ok := m.m[p.Name(EncryptionOld)]; ok {
			t.Fatal("the old keys are still stored")
		}
		if _, ok := m.m[p.Name(EncryptionKey)]; !ok {
			t.Fatal("the current key was deleted")
		}
		if text, err := retire(later); err != nil || !strings.Contains(text, "no old token encryption keys") {
			t.Fatalf("again: %v: %s", err, text)
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
