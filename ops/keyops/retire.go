package keyops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/sessionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// ErrOldKeysInUse stops make retire-keys: values sealed with an old key
// remain, and deleting the key would make them unreadable.
var ErrOldKeysInUse = errors.New("values sealed with an old key remain: the old keys are kept")

// Tables are the tables that hold sealed values: the users' credentials and
// the sign-in sessions' secrets.
type Tables struct {
	Users, Sessions string
}

// KeyCensus counts the sealed values of the tables by the key id each names
// (never a value).
type KeyCensus struct {
	Items int            // items read, both tables
	ByKey map[string]int // sealed values per key id
	// Expired counts the sealed values of sessions past their end, by key id:
	// no sign-in can use them any more (the table's TTL removes them).
	Expired map[string]int
}

// Under is how many live values name one of ids.
func (c KeyCensus) Under(ids []string) int {
	n := 0
	for _, id := range ids {
		n += c.ByKey[id]
	}
	return n
}

// RetireKeys is make retire-keys: it counts the sealed values of both tables
// by key, and deletes the stage's old token encryption keys (the old-keys
// parameter) only when no value remains sealed with one of them. It prints
// counts and key ids, never a value or a key.
//
// A value sealed with an old key by a function between the count and the
// delete would be unreadable from the next cold start on: after deleting, it
// counts again, and puts the old keys back if such a value appeared.
func (s Stage) RetireKeys(ctx context.Context, db dynamo.Client, t Tables, now time.Time, out io.Writer) error {
	_, oldList, ok, err := s.storedEncryptionKeys(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errNoEncryptionKey
	}
	keys, err := s.currentEncryptionKeys(ctx)
	if err != nil {
		return err
	}
	current := seal.KeyID(keys[0])
	var old []string
	for _, k := range keys[1:] {
		if id := seal.KeyID(k); id != current && !slices.Contains(old, id) {
			old = append(old, id)
		}
	}
	if len(old) == 0 {
		fmt.Fprintf(out, "no old token encryption keys to retire (current key %s)\n", current)
		return nil
	}
	census, err := Census(ctx, db, t, now)
	if err != nil {
		return err
	}
	report(out, t, census, current, old)
	if n := census.Under(old); n > 0 {
		return fmt.Errorf("%w: %d value(s) under key(s) %s: run make reseal STAGE=%s (after make deploy) and try again; sign-in sessions under an old key end within minutes",
			ErrOldKeysInUse, n, strings.Join(old, ", "), strings.TrimPrefix(s.Prefix, "/twitter-sessions/"))
	}
	if err := s.Store.Delete(ctx, s.Name(EncryptionOld)); err != nil {
		return fmt.Errorf("deleting %s: %w", s.Name(EncryptionOld), err)
	}
	again, err := Census(ctx, db, t, now)
	if err == nil && again.Under(old) == 0 {
		fmt.Fprintf(out, "deleted %s: old key(s) %s retired; functions stop holding them as they start again\n", s.Name(EncryptionOld), strings.Join(old, ", "))
		return nil
	}
	// Something was sealed with an old key meanwhile (or the second count
	// failed): put the keys back, as they were.
	if perr := s.put(ctx, EncryptionOld, oldList); perr != nil {
		return fmt.Errorf("%w: %s was deleted and putting it back failed (%w); values sealed with an old key meanwhile no longer open at a cold start", ErrOldKeysInUse, s.Name(EncryptionOld), perr)
	}
	if err != nil {
		return fmt.Errorf("counting again after the delete: %w; the old keys were put back", err)
	}
	return fmt.Errorf("%w: %d value(s) were sealed with an old key while this ran (a function from before the last deploy?); the old keys were put back: try again later",
		ErrOldKeysInUse, again.Under(old))
}

// report prints the census: per key id, current and old first.
func report(out io.Writer, t Tables, c KeyCensus, current string, old []string) {
	fmt.Fprintf(out, "%s, %s: %d items read; sealed values by key:\n", t.Users, t.Sessions, c.Items)
	fmt.Fprintf(out, "  %s (current): %d\n", current, c.ByKey[current])
	for _, id := range old {
		fmt.Fprintf(out, "  %s (old): %d\n", id, c.ByKey[id])
	}
	for _, id := range slices.Sorted(maps.Keys(c.ByKey)) {
		if id != current && !slices.Contains(old, id) {
			fmt.Fprintf(out, "  %s (a key the stage does not hold: these values open with no stored key): %d\n", id, c.ByKey[id])
		}
	}
	for _, id := range slices.Sorted(maps.Keys(c.Expired)) {
		fmt.Fprintf(out, "  %s: %d in sign-in sessions already ended (not counted: the table's TTL removes them)\n", id, c.Expired[id])
	}
}

// Census reads both tables (consistent, paginated scans of the sealed
// attributes only) and counts their sealed values by key id.
func Census(ctx context.Context, db dynamo.Client, t Tables, now time.Time) (KeyCensus, error) {
	c := KeyCensus{ByKey: map[string]int{}, Expired: map[string]int{}}
	users := []string{useritem.AttrToken, useritem.AttrSecret, useritem.AttrRefresh}
	err := scanAll(ctx, db, t.Users, append([]string{useritem.AttrUID}, users...), func(it dynamo.Item) {
		c.Items++
		for _, attr := range users {
			count(c.ByKey, it, attr)
		}
	})
	if err != nil {
		return c, err
	}
	err = scanAll(ctx, db, t.Sessions, []string{sessionstore.AttrSealed, sessionstore.AttrExpiresAt}, func(it dynamo.Item) {
		c.Items++
		if end, ok := dynamo.GetInt(it, sessionstore.AttrExpiresAt); ok && end <= now.Unix() {
			count(c.Expired, it, sessionstore.AttrSealed)
			return
		}
		count(c.ByKey, it, sessionstore.AttrSealed)
	})
	return c, err
}

// count adds the key id of the sealed value attr holds, if any.
func count(to map[string]int, it dynamo.Item, attr string) {
	v, ok := dynamo.GetS(it, attr)
	if !ok || v == "" {
		return
	}
	id, ok := seal.KeyIDOf(v)
	if !ok {
		id = "(not a sealed value)"
	}
	to[id]++
}

func scanAll(ctx context.Context, db dynamo.Client, table string, attrs []string, each func(dynamo.Item)) error {
	var e dynamo.Expr
	proj := make([]string, len(attrs))
	for i, a := range attrs {
		proj[i] = e.Name(a)
	}
	in := e.Scan(table, "", strings.Join(proj, ", "))
	in.ConsistentRead = aws.Bool(true)
	pages := dynamodb.NewScanPaginator(db, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scanning %s: %w", table, err)
		}
		for _, it := range out.Items {
			each(it)
		}
	}
	return nil
}
