package campaignstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/campaignstore"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

func TestCampaignStore(t *testing.T) {
	t.Parallel()
	tables := teststack.NewTables(t)
	table, db := tables.Campaigns, tables.DB
	s := campaignstore.New(db, table)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)

	c, created, err := s.Create(ctx, "launch-2026", "Hello", now)
	if err != nil || !created || c.Status != campaigns.StatusRunning {
		t.Fatalf("create %+v %v %v", c, created, err)
	}
	t.Run("creating it again returns it", func(t *testing.T) {
		c, created, err := s.Create(ctx, "launch-2026", "Hello", now.Add(time.Hour))
		if err != nil || created || !c.CreatedAt.Equal(now) {
			t.Fatalf("%+v %v %v", c, created, err)
		}
	})
	t.Run("another text under the same id is refused", func(t *testing.T) {
		if _, _, err := s.Create(ctx, "launch-2026", "Bye", now); !errors.Is(err, campaigns.ErrTextMismatch) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("ids and texts are checked", func(t *testing.T) {
		for _, c := range []struct{ id, text string }{{"", "x"}, {"has space", "x"}, {"-lead", "x"}, {strings.Repeat("a", 65), "x"}, {"ok", ""}, {"ok", strings.Repeat("é", campaigns.MaxTextLength+1)}} {
			if _, _, err := s.Create(ctx, c.id, c.text, now); err == nil {
				t.Errorf("%q/%d chars accepted", c.id, len(c.text))
			}
		}
	})
	t.Run("one run at a time holds the lease", func(t *testing.T) {
		a, err := s.Acquire(ctx, "launch-2026", "run-a", now, now.Add(time.Minute))
		if err != nil || a.Runs != 1 {
			t.Fatalf("%+v %v", a, err)
		}
		if _, err := s.Acquire(ctx, "launch-2026", "run-b", now.Add(time.Second), now.Add(time.Minute)); !errors.Is(err, campaigns.ErrBusy) {
			t.Fatalf("second run: %v", err)
		}
		a.Cursor, a.Sent, a.Skipped, a.Failed, a.Unknown = "1234567890123456789", 3, 2, 1, 1
		a.Status, a.ResumeAfter = campaigns.StatusPausedRateLimited, now.Add(15*time.Minute)
		if err := s.Save(ctx, a, "run-b", now, true); !errors.Is(err, campaigns.ErrLeaseLost) {
			t.Fatalf("a save by a run without the lease: %v", err)
		}
		if err := s.Save(ctx, a, "run-a", now, true); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "launch-2026")
		if err != nil || got.Cursor != a.Cursor || got.Sent != 3 || got.Unknown != 1 || got.Handled() != 7 || got.Status != campaigns.StatusPausedRateLimited || !got.ResumeAfter.Equal(a.ResumeAfter) {
			t.Fatalf("%+v %v", got, err)
		}
		b, err := s.Acquire(ctx, "launch-2026", "run-b", now.Add(time.Second), now.Add(time.Minute))
		if err != nil || b.Runs != 2 {
			t.Fatalf("after release: %+v %v", b, err)
		}
		// A run that died: its lease expires.
		if _, err := s.Acquire(ctx, "launch-2026", "run-c", now.Add(2*time.Minute), now.Add(3*time.Minute)); err != nil {
			t.Fatalf("after expiry: %v", err)
		}
		if _, err := s.Acquire(ctx, "missing", "run-a", now, now.Add(time.Minute)); !errors.Is(err, campaigns.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
	})
	t.Run("unfinished lists all but the done ones", func(t *testing.T) {
		if _, _, err := s.Create(ctx, "old", "x", now); err != nil {
			t.Fatal(err)
		}
		o, _ := s.Acquire(ctx, "old", "r", now, now.Add(time.Minute))
		o.Status = campaigns.StatusDone
		if err := s.Save(ctx, o, "r", now, true); err != nil {
			t.Fatal(err)
		}
		list, err := s.Unfinished(ctx)
		if err != nil || len(list) != 1 || list[0].ID != "launch-2026" {
			t.Fatalf("%+v %v", list, err)
		}
	})
}
