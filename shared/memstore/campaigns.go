package memstore

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
)

// Campaigns is the campaigns table in memory, with the conditions of
// shared/campaignstore: one live lease per campaign, progress saved only
// by its holder.
type Campaigns struct {
	faults
	mu    sync.Mutex
	items map[string]*campaignItem
}

var (
	_ campaigns.Catalog = (*Campaigns)(nil)
	_ campaigns.Leases  = (*Campaigns)(nil)
)

type campaignItem struct {
	c                      campaigns.Campaign
	leaseOwner, leaseUntil string
}

// NewCampaigns returns an empty campaigns table.
func NewCampaigns() *Campaigns { return &Campaigns{items: map[string]*campaignItem{}} }

func campaignErr(op, id string) func(error) error {
	return func(err error) error { return fmt.Errorf("%w: %s %s: %w", campaigns.ErrStoreUnavailable, op, id, err) }
}

// kept is c as the table gives it back (times to the millisecond).
func kept(c campaigns.Campaign) campaigns.Campaign {
	c.CreatedAt, c.UpdatedAt, c.ResumeAfter = parse(stampOrNot(c.CreatedAt)), parse(stampOrNot(c.UpdatedAt)), parse(stampOrNot(c.ResumeAfter))
	return c
}

func stampOrNot(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return stamp(t)
}

// Create is campaignstore.Store.Create.
func (s *Campaigns) Create(ctx context.Context, id, text string, now time.Time) (campaigns.Campaign, bool, error) {
	if err := campaigns.Validate(id, text); err != nil {
		return campaigns.Campaign{}, false, err
	}
	var out campaigns.Campaign
	var created bool
	err := s.run(ctx, &s.mu, Call{Op: OpCreate, Key: id}, campaignErr("create", id), func() error {
		if it, ok := s.items[id]; ok {
			out = it.c
			return nil
		}
		out = kept(campaigns.Campaign{ID: id, Text: text, Status: campaigns.StatusRunning, CreatedAt: now, UpdatedAt: now})
		s.items[id], created = &campaignItem{c: out}, true
		return nil
	})
	switch {
	case err != nil:
		return campaigns.Campaign{}, false, err
	case !created && out.Text != text:
		return out, false, campaigns.ErrTextMismatch
	}
	return out, created, nil
}

// Get is campaignstore.Store.Get.
func (s *Campaigns) Get(ctx context.Context, id string) (campaigns.Campaign, error) {
	var out campaigns.Campaign
	var found bool
	err := s.run(ctx, &s.mu, Call{Op: OpGet, Key: id}, campaignErr("get", id), func() error {
		if it, ok := s.items[id]; ok {
			out, found = it.c, true
		}
		return nil
	})
	switch {
	case err != nil:
		return campaigns.Campaign{}, err
	case !found:
		return campaigns.Campaign{}, campaigns.ErrNotFound
	}
	return out, nil
}

// Unfinished is campaignstore.Store.Unfinished (in id order).
func (s *Campaigns) Unfinished(ctx context.Context) ([]campaigns.Campaign, error) {
	var out []campaigns.Campaign
	err := s.run(ctx, &s.mu, Call{Op: OpUnfinished}, campaignErr("scan", ""), func() error {
		for _, it := range s.items {
			if it.c.Status != campaigns.StatusDone {
				out = append(out, it.c)
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

// Acquire is campaignstore.Store.Acquire: the lease, unless another live
// run holds it (campaigns.ErrBusy), and the run counted.
func (s *Campaigns) Acquire(ctx context.Context, id, owner string, now, until time.Time) (campaigns.Campaign, error) {
	var out campaigns.Campaign
	var refused error
	err := s.run(ctx, &s.mu, Call{Op: OpAcquire, Key: id}, campaignErr("acquire", id), func() error {
		it, ok := s.items[id]
		switch {
		case !ok:
			refused = campaigns.ErrNotFound
		case it.leaseUntil != "" && !(it.leaseUntil < stamp(now)) && it.leaseOwner != owner:
			refused = campaigns.ErrBusy
		default:
			it.leaseOwner, it.leaseUntil = owner, stamp(until)
			it.c.Runs++
			out = it.c
		}
		return nil
	})
	if err != nil {
		return campaigns.Campaign{}, err
	}
	return out, refused
}

// Save is campaignstore.Store.Save: only while owner holds the lease
// (campaigns.ErrLeaseLost otherwise).
func (s *Campaigns) Save(ctx context.Context, c campaigns.Campaign, owner string, now time.Time, release bool) error {
	var lost bool
	err := s.run(ctx, &s.mu, Call{Op: OpSave, Key: c.ID}, campaignErr("save", c.ID), func() error {
		it, ok := s.items[c.ID]
		if !ok || it.leaseOwner != owner {
			lost = true
			return nil
		}
		cur := it.c
		cur.Status, cur.Sent, cur.Skipped, cur.Failed, cur.Unknown = c.Status, c.Sent, c.Skipped, c.Failed, c.Unknown
		cur.UpdatedAt = now
		if c.Cursor != "" {
			cur.Cursor = c.Cursor
		}
		cur.ResumeAfter, cur.LastError = c.ResumeAfter, c.LastError
		it.c = kept(cur)
		if release {
			it.leaseOwner, it.leaseUntil = "", ""
		}
		return nil
	})
	if err != nil {
		return err
	}
	if lost {
		return campaigns.ErrLeaseLost
	}
	return nil
}
