package memstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// Users is the users table in memory.
type Users struct {
	faults
	mu     sync.Mutex
	sealer seal.Box
	items  map[string]*Item
}

var (
	_ actions.UserReader        = (*Users)(nil)
	_ actions.Claimer           = (*Users)(nil)
	_ actions.Revoker           = (*Users)(nil)
	_ actions.Requeuer          = (*Users)(nil)
	_ actions.SendingMarker     = (*Users)(nil)
	_ actions.CredentialRemover = (*Users)(nil)
	_ campaigns.Audience        = (*Users)(nil)
	_ campaigns.UserCount       = (*Users)(nil)
	_ tokens.Store              = (*Users)(nil)
	_ signin.UserStore          = (*Users)(nil)
)

// Item is a user item as the table holds it. Times are in
// dynamo.TimeLayout ("" when absent), tokens sealed.
type Item struct {
	UID, ScreenName                  string
	Kind                             string // useritem.AttrKind
	Token, Secret, Refresh           string // sealed; "" when absent
	TokenExpiresAt, CredentialsAt    string
	Lease                            *Lease // the refresh lease; nil when none is held
	Reconnect                        bool
	ReconnectAt                      string
	Follow, Tweet, Subscribed, Brand bool
	Revoked                          bool
	RevokedAt, UnsubscribedAt        string
	CreatedAt, LastLoginAt           string
	Logins                           int
	Attribution, LastAttribution     map[string]string
	CampaignsSent                    []string // a string set, sorted; nil when empty (DynamoDB has no empty set)
	Actions                          map[useritem.Action]*Record
}

// Lease is the refresh lease's map.
type Lease struct{ Owner, Until string }

// Record is an a_* map. Status and Attempts are 0 when absent.
type Record struct {
	State, Reason, Result             string
	Status, Attempts                  int
	RequestedAt, ClaimedAt, UpdatedAt string
}

// NewUsers returns an empty users table whose tokens are sealed with
// sealer (a fresh key of its own when nil).
func NewUsers(sealer seal.Box) *Users {
	if sealer == nil {
		key := make([]byte, seal.KeySize)
		if _, err := rand.Read(key); err != nil {
			panic(err)
		}
		s, err := seal.New(key)
		if err != nil {
			panic(err)
		}
		sealer = s
	}
	return &Users{sealer: sealer, items: map[string]*Item{}}
}

// Sealer is the box the tokens are sealed with.
func (s *Users) Sealer() seal.Box { return s.sealer }

// Item returns a copy of uid's item.
func (s *Users) Item(uid string) (Item, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[uid]
	if !ok {
		return Item{}, false
	}
	return it.clone(), true
}

// Update changes uid's item in place under the lock (a test's own write:
// damaging a token, ageing a claim); false when there is none.
func (s *Users) Update(uid string, fn func(it *Item)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[uid]
	if ok {
		fn(it)
	}
	return ok
}

// Len is how many items the table holds.
func (s *Users) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

func (it *Item) clone() Item {
	c := *it
	if it.Lease != nil {
		l := *it.Lease
		c.Lease = &l
	}
	c.Attribution, c.LastAttribution = maps.Clone(it.Attribution), maps.Clone(it.LastAttribution)
	c.CampaignsSent = slices.Clone(it.CampaignsSent)
	c.Actions = make(map[useritem.Action]*Record, len(it.Actions))
	for a, r := range it.Actions {
		rc := *r
		c.Actions[a] = &rc
	}
	return c
}

// stamp is t as the table keeps it.
func stamp(t time.Time) string { return t.UTC().Format(dynamo.TimeLayout) }

func parse(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(dynamo.TimeLayout, s)
	return t
}

// storeErr is a failure as actionstore reports it.
func storeErr(op, key string) func(error) error {
	return func(err error) error {
		return fmt.Errorf("%w: %s %s: %w", actions.ErrStoreUnavailable, op, key, err)
	}
}

func conflict(op string, uid string) error {
	return fmt.Errorf("%w: %s %s", actions.ErrConflict, op, uid)
}

// cond runs a conditional write: ok false when its condition failed.
func (s *Users) cond(ctx context.Context, op Op, uid string, fn func(it *Item) bool) (bool, error) {
	var ok bool
	err := s.run(ctx, &s.mu, Call{Op: op, Key: uid}, storeErr(string(op), uid), func() error {
		it := s.items[uid]
		ok = it != nil && fn(it)
		return nil
	})
	return ok && err == nil, err
}

// SaveSignIn stores a sign-in as userstore.Store.SaveSignIn does.
func (s *Users) SaveSignIn(ctx context.Context, u signin.User) (bool, error) {
	if _, err := xid.Parse(u.UserID); err != nil {
		return false, fmt.Errorf("userstore: %w", err)
	}
	var sealed Item
	if u.Credentials != (signin.Credentials{}) {
		var err error
		if sealed, err = s.seal(u.UserID, u.Credentials); err != nil {
			return false, err
		}
	}
	var created bool
	wrap := func(err error) error {
		return fmt.Errorf("%w: userstore: save sign-in: %w", signin.ErrStoreUnavailable, err)
	}
	err := s.run(ctx, &s.mu, Call{Op: OpSaveSignIn, Key: u.UserID}, wrap, func() error {
		it := s.items[u.UserID]
		if it == nil {
			it = &Item{UID: u.UserID, Actions: map[useritem.Action]*Record{}}
			s.items[u.UserID] = it
		}
		created = it.Logins == 0
		at := stamp(u.SignedInAt)
		if u.Credentials != (signin.Credentials{}) {
			it.Token, it.Secret, it.Refresh, it.Kind, it.TokenExpiresAt = sealed.Token, sealed.Secret, sealed.Refresh, sealed.Kind, sealed.TokenExpiresAt
			it.CredentialsAt = at
			it.Reconnect, it.ReconnectAt, it.Lease = false, "", nil
		}
		it.ScreenName, it.Follow, it.Tweet, it.LastLoginAt = u.ScreenName, u.Follow, u.Tweet, at
		if it.CreatedAt == "" {
			it.CreatedAt = at
		}
		if created {
			it.Subscribed = true
		}
		it.Revoked, it.RevokedAt = false, ""
		it.Logins++
		if u.Brand {
			it.Brand = true
		}
		if len(u.UTM) > 0 {
			if it.Attribution == nil {
				it.Attribution = maps.Clone(u.UTM)
			}
			it.LastAttribution = maps.Clone(u.UTM)
		}
		for _, a := range u.Actions {
			if _, ok := it.Actions[a]; ok && a != useritem.ActionRelease {
				continue
			}
			it.Actions[a] = &Record{State: string(useritem.StatePending), RequestedAt: at}
		}
		return nil
	})
	return created && err == nil, err
}

// seal is c sealed as userstore writes it: the fields of an Item.
func (s *Users) seal(uid string, c signin.Credentials) (Item, error) {
	var it Item
	var err error
	if it.Token, err = s.sealer.Seal(c.Token, userstore.TokenContext(uid)); err != nil {
		return it, fmt.Errorf("userstore: sealing: %w", err)
	}
	if !c.OAuth2() {
		it.Kind = string(signin.KindOAuth1)
		if it.Secret, err = s.sealer.Seal(c.Secret, userstore.SecretContext(uid)); err != nil {
			return it, fmt.Errorf("userstore: sealing: %w", err)
		}
		return it, nil
	}
	it.Kind, it.TokenExpiresAt = string(signin.KindOAuth2), stamp(c.ExpiresAt)
	if c.Refresh != "" {
		if it.Refresh, err = s.sealer.Seal(c.Refresh, userstore.RefreshContext(uid)); err != nil {
			return it, fmt.Errorf("userstore: sealing: %w", err)
		}
	}
	return it, nil
}

// Unsubscribe is userstore.Store.Unsubscribe.
func (s *Users) Unsubscribe(ctx context.Context, uid string, now time.Time) (bool, error) {
	if _, err := xid.Parse(uid); err != nil {
		return false, fmt.Errorf("userstore: %w", err)
	}
	var ok bool
	wrap := func(err error) error { return fmt.Errorf("userstore: unsubscribe %s: %w", uid, err) }
	err := s.run(ctx, &s.mu, Call{Op: OpUnsubscribe, Key: uid}, wrap, func() error {
		it := s.items[uid]
		if it == nil {
			return nil
		}
		ok = true
		it.Subscribed = false
		if it.UnsubscribedAt == "" {
			it.UnsubscribedAt = stamp(now)
		}
		return nil
	})
	return ok && err == nil, err
}

// GetActionUser is actionstore.Store.GetActionUser.
func (s *Users) GetActionUser(ctx context.Context, uid string) (actions.User, error) {
	if _, err := xid.Parse(uid); err != nil {
		return actions.User{}, fmt.Errorf("actionstore: %w", err)
	}
	var u actions.User
	var found bool
	err := s.run(ctx, &s.mu, Call{Op: OpGetActionUser, Key: uid}, storeErr("get", uid), func() error {
		if it := s.items[uid]; it != nil {
			u, found = s.actionUser(it), true
		}
		return nil
	})
	switch {
	case err != nil:
		return actions.User{}, err
	case !found:
		return actions.User{}, actions.ErrNotFound
	}
	return u, nil
}

func (s *Users) actionUser(it *Item) actions.User {
	u := actions.User{UID: it.UID, ScreenName: it.ScreenName, Follow: it.Follow, Tweet: it.Tweet, Subscribed: it.Subscribed,
		Revoked: it.Revoked, Brand: it.Brand, Reconnect: it.Reconnect, Actions: map[useritem.Action]actions.Record{},
		SealedToken: it.Token, CredentialsAt: parse(it.CredentialsAt)}
	for _, a := range useritem.Order {
		if r, ok := it.Actions[a]; ok {
			u.Actions[a] = r.record()
		}
	}
	u.Credentials, u.CredentialsErr = s.credentials(it)
	return u
}

func (r *Record) record() actions.Record {
	return actions.Record{State: useritem.State(r.State), Reason: actions.Reason(r.Reason), Result: r.Result, Status: r.Status,
		Attempts: r.Attempts, RequestedAt: parse(r.RequestedAt), ClaimedAt: parse(r.ClaimedAt), UpdatedAt: parse(r.UpdatedAt)}
}

// credentials opens the item's credentials as actionstore does.
func (s *Users) credentials(it *Item) (signin.Credentials, error) {
	switch signin.Kind(it.Kind) {
	case signin.KindOAuth2:
		if it.Token == "" {
			return signin.Credentials{}, actions.ErrNoCredentials
		}
		c := signin.Credentials{Kind: signin.KindOAuth2, ExpiresAt: parse(it.TokenExpiresAt)}
		var err error
		c.Token, err = s.sealer.Open(it.Token, userstore.TokenContext(it.UID))
		if it.Refresh != "" && err == nil {
			c.Refresh, err = s.sealer.Open(it.Refresh, userstore.RefreshContext(it.UID))
		}
		if err != nil {
			return signin.Credentials{}, fmt.Errorf("%w: %w", actions.ErrCredentialsUnopenable, err)
		}
		return c, nil
	case "", signin.KindOAuth1:
		if it.Token == "" || it.Secret == "" {
			return signin.Credentials{}, actions.ErrNoCredentials
		}
		c := signin.Credentials{Kind: signin.KindOAuth1}
		var err error
		if c.Token, err = s.sealer.Open(it.Token, userstore.TokenContext(it.UID)); err == nil {
			c.Secret, err = s.sealer.Open(it.Secret, userstore.SecretContext(it.UID))
		}
		if err != nil {
			return signin.Credentials{}, fmt.Errorf("%w: %w", actions.ErrCredentialsUnopenable, err)
		}
		return c, nil
	}
	return signin.Credentials{}, fmt.Errorf("%w: credentials of kind %q", actions.ErrCredentialsUnopenable, it.Kind)
}

// ClaimPending is actionstore.Store.ClaimPending: every action in acts
// from pending to sending in one write, or none.
func (s *Users) ClaimPending(ctx context.Context, uid string, acts []useritem.Action, now time.Time) (actions.User, error) {
	if len(acts) == 0 {
		return actions.User{}, errors.New("actionstore: nothing to claim")
	}
	var u actions.User
	var ok bool
	err := s.run(ctx, &s.mu, Call{Op: OpClaimPending, Key: uid}, storeErr("claim", uid), func() error {
		it := s.items[uid]
		if it == nil {
			return nil
		}
		for _, a := range acts {
			if r, has := it.Actions[a]; !has || r.State != string(useritem.StatePending) {
				return nil
			}
		}
		for _, a := range acts {
			r := it.Actions[a]
			r.State, r.ClaimedAt, r.UpdatedAt = string(useritem.StateSending), stamp(now), stamp(now)
		}
		u, ok = s.actionUser(it), true
		return nil
	})
	switch {
	case err != nil:
		return actions.User{}, err
	case !ok:
		return actions.User{}, conflict("claim", uid)
	}
	return u, nil
}

// RecordOutcome is actionstore.Store.RecordOutcome: only while the action
// is sending (actions.ErrConflict otherwise).
func (s *Users) RecordOutcome(ctx context.Context, uid string, act useritem.Action, r actions.Record) error {
	ok, err := s.cond(ctx, OpRecordOutcome, uid, func(it *Item) bool {
		rec, has := it.Actions[act]
		if !has || rec.State != string(useritem.StateSending) {
			return false
		}
		rec.State, rec.UpdatedAt, rec.Attempts = string(r.State), stamp(r.UpdatedAt), r.Attempts
		rec.Reason, rec.Result, rec.Status = r.Reason.String(), r.Result, r.Status
		return true
	})
	switch {
	case err != nil:
		return err
	case !ok:
		return conflict("record "+string(act), uid)
	}
	return nil
}

// Requeue is actionstore.Store.Requeue: from state from to pending.
func (s *Users) Requeue(ctx context.Context, uid string, act useritem.Action, from useritem.State, now time.Time) (bool, error) {
	return s.cond(ctx, OpRequeue, uid, func(it *Item) bool {
		rec, has := it.Actions[act]
		if !has || rec.State != string(from) {
			return false
		}
		rec.State, rec.UpdatedAt = string(useritem.StatePending), stamp(now)
		return true
	})
}

// MarkRevoked is actionstore.Store.MarkRevoked (actions.ErrConflict when
// there is no such user).
func (s *Users) MarkRevoked(ctx context.Context, uid string, now time.Time) error {
	ok, err := s.cond(ctx, OpMarkRevoked, uid, func(it *Item) bool {
		it.Revoked, it.RevokedAt = true, stamp(now)
		return true
	})
	switch {
	case err != nil:
		return err
	case !ok:
		return conflict("mark revoked", uid)
	}
	return nil
}

// MarkUnknown is actionstore.Store.MarkUnknown: only while the action is
// sending under the claim a names.
func (s *Users) MarkUnknown(ctx context.Context, a actions.Sending, reason actions.Reason, now time.Time) (bool, error) {
	return s.cond(ctx, OpMarkUnknown, a.UID, func(it *Item) bool {
		rec, has := it.Actions[a.Action]
		if !has || rec.State != string(useritem.StateSending) {
			return false
		}
		if a.ClaimedAt.IsZero() {
			if rec.ClaimedAt != "" {
				return false
			}
		} else if rec.ClaimedAt != stamp(a.ClaimedAt) {
			return false
		}
		rec.State, rec.Reason, rec.UpdatedAt = string(useritem.StateUnknown), reason.String(), stamp(now)
		return true
	})
}

// ownWork are the actions made with the user's own token.
var ownWork = []useritem.Action{useritem.ActionFollow, useritem.ActionTweet}

// RemoveCredentials is actionstore.Store.RemoveCredentials.
func (s *Users) RemoveCredentials(ctx context.Context, uid, sealedToken string, finished bool) (bool, error) {
	return s.cond(ctx, OpRemoveCredentials, uid, func(it *Item) bool {
		if it.Token == "" || it.Token != sealedToken || it.Brand {
			return false
		}
		if finished {
			for _, a := range ownWork {
				if r, has := it.Actions[a]; has && (r.State == string(useritem.StatePending) || r.State == string(useritem.StateSending)) {
					return false
				}
			}
		}
		it.Token, it.Secret, it.Kind, it.Refresh, it.TokenExpiresAt, it.CredentialsAt = "", "", "", "", "", ""
		it.Lease, it.Reconnect, it.ReconnectAt = nil, false, ""
		return true
	})
}

// uidLess orders uids as numbers (they are decimal, without leading zeros).
func uidLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// scan reads up to limit items after the uid cursor after, in uid order,
// and keeps those match accepts: as a DynamoDB Scan with a Limit, the
// limit counts the items read, not the ones kept, and next is the last
// item read when the limit was reached ("" when the scan is over).
func (s *Users) scan(ctx context.Context, op Op, after string, limit int32, match func(it *Item) bool) (kept []*Item, scanned int, next string, err error) {
	if limit <= 0 {
		return nil, 0, "", fmt.Errorf("%w: scan %s: a Limit must be at least 1", actions.ErrStoreUnavailable, op)
	}
	if after != "" {
		if _, err := xid.Parse(after); err != nil {
			return nil, 0, "", fmt.Errorf("actionstore: cursor: %w", err)
		}
	}
	err = s.run(ctx, &s.mu, Call{Op: op}, storeErr("scan", string(op)), func() error {
		uids := make([]string, 0, len(s.items))
		for uid := range s.items {
			if after == "" || uidLess(after, uid) {
				uids = append(uids, uid)
			}
		}
		sort.Slice(uids, func(i, j int) bool { return uidLess(uids[i], uids[j]) })
		for _, uid := range uids {
			if scanned == int(limit) {
				break
			}
			scanned++
			next = uid
			if it := s.items[uid]; match(it) {
				c := it.clone()
				kept = append(kept, &c)
			}
		}
		if scanned < int(limit) {
			next = ""
		}
		return nil
	})
	return kept, scanned, next, err
}

// WaitingForBrand is actionstore.Store.WaitingForBrand.
func (s *Users) WaitingForBrand(ctx context.Context, after string, limit int32) ([]string, string, error) {
	kept, _, next, err := s.scan(ctx, OpWaitingForBrand, after, limit, func(it *Item) bool {
		r, ok := it.Actions[useritem.ActionWelcome]
		return ok && r.State == string(useritem.StateWaitingBrand)
	})
	if err != nil {
		return nil, "", err
	}
	var uids []string
	for _, it := range kept {
		uids = append(uids, it.UID)
	}
	return uids, next, nil
}

// ScanSending is actionstore.Store.ScanSending.
func (s *Users) ScanSending(ctx context.Context, after string, limit int32) (actions.SendingPage, error) {
	sending := func(it *Item) bool {
		for _, r := range it.Actions {
			if r.State == string(useritem.StateSending) {
				return true
			}
		}
		return false
	}
	kept, scanned, next, err := s.scan(ctx, OpScanSending, after, limit, sending)
	if err != nil {
		return actions.SendingPage{}, err
	}
	page := actions.SendingPage{Scanned: scanned, Next: next}
	for _, it := range kept {
		for _, a := range useritem.Order {
			if r, ok := it.Actions[a]; ok && r.State == string(useritem.StateSending) {
				page.Actions = append(page.Actions, actions.Sending{UID: it.UID, Action: a, ClaimedAt: parse(r.ClaimedAt)})
			}
		}
	}
	return page, nil
}

// ScanVisitorTokens is actionstore.Store.ScanVisitorTokens.
func (s *Users) ScanVisitorTokens(ctx context.Context, after string, limit int32) (actions.TokenPage, error) {
	kept, scanned, next, err := s.scan(ctx, OpScanVisitorTokens, after, limit, func(it *Item) bool { return it.Token != "" && !it.Brand })
	if err != nil {
		return actions.TokenPage{}, err
	}
	page := actions.TokenPage{Scanned: scanned, Next: next}
	for _, it := range kept {
		page.Users = append(page.Users, s.actionUser(it))
	}
	return page, nil
}

// ScanRecipients is actionstore.Store.ScanRecipients.
func (s *Users) ScanRecipients(ctx context.Context, after string, limit int32) ([]campaigns.Recipient, bool, error) {
	kept, _, next, err := s.scan(ctx, OpScanRecipients, after, limit, func(*Item) bool { return true })
	if err != nil {
		return nil, false, err
	}
	var rs []campaigns.Recipient
	for _, it := range kept {
		rs = append(rs, campaigns.Recipient{UID: it.UID, Subscribed: it.Subscribed, Revoked: it.Revoked, Reconnect: it.Reconnect,
			Brand: it.Brand, Campaigns: slices.Clone(it.CampaignsSent)})
	}
	return rs, next != "", nil
}

// MarkCampaign is actionstore.Store.MarkCampaign.
func (s *Users) MarkCampaign(ctx context.Context, uid, id string, now time.Time) (bool, error) {
	return s.cond(ctx, OpMarkCampaign, uid, func(it *Item) bool {
		if slices.Contains(it.CampaignsSent, id) || !it.Subscribed || it.Revoked || it.Reconnect {
			return false
		}
		it.CampaignsSent = append(it.CampaignsSent, id)
		slices.Sort(it.CampaignsSent)
		return true
	})
}

// UnmarkCampaign is actionstore.Store.UnmarkCampaign.
func (s *Users) UnmarkCampaign(ctx context.Context, uid, id string) error {
	_, err := s.cond(ctx, OpUnmarkCampaign, uid, func(it *Item) bool {
		it.CampaignsSent = slices.DeleteFunc(it.CampaignsSent, func(c string) bool { return c == id })
		if len(it.CampaignsSent) == 0 {
			it.CampaignsSent = nil
		}
		return true
	})
	return err
}

// ApproxUsers is the item count (DynamoDB publishes it late; this one is
// exact).
func (s *Users) ApproxUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.run(ctx, &s.mu, Call{Op: OpApproxUsers}, func(err error) error { return fmt.Errorf("actionstore: describe: %w", err) }, func() error {
		n = int64(len(s.items))
		return nil
	})
	return n, err
}

// ReadTokens is actionstore.Store.ReadTokens.
func (s *Users) ReadTokens(ctx context.Context, uid string) (tokens.Stored, error) {
	if _, err := xid.Parse(uid); err != nil {
		return tokens.Stored{}, fmt.Errorf("actionstore: %w", err)
	}
	var st tokens.Stored
	var found bool
	var cerr error
	err := s.run(ctx, &s.mu, Call{Op: OpReadTokens, Key: uid}, storeErr("get tokens", uid), func() error {
		it := s.items[uid]
		if it == nil {
			return nil
		}
		found = true
		st = tokens.Stored{Reconnect: it.Reconnect, Version: tokens.Version{Token: it.Token, Refresh: it.Refresh}}
		if it.Lease != nil {
			st.Lease = tokens.Lease{Owner: it.Lease.Owner, Until: parse(it.Lease.Until)}
		}
		st.Credentials, cerr = s.credentials(it)
		return nil
	})
	switch {
	case err != nil:
		return tokens.Stored{}, err
	case !found:
		return tokens.Stored{}, actions.ErrNotFound
	case cerr != nil:
		return tokens.Stored{}, cerr
	}
	return st, nil
}

// pairIs is the condition that the stored pair is v.
func pairIs(it *Item, v tokens.Version) bool {
	if it.Token == "" || it.Token != v.Token {
		return false
	}
	if v.Refresh == "" {
		return it.Refresh == ""
	}
	return it.Refresh == v.Refresh
}

// TakeRefreshLease is actionstore.Store.TakeRefreshLease.
func (s *Users) TakeRefreshLease(ctx context.Context, uid string, v tokens.Version, l tokens.Lease) (bool, error) {
	return s.cond(ctx, OpTakeRefreshLease, uid, func(it *Item) bool {
		if !pairIs(it, v) || it.Lease != nil || it.Reconnect {
			return false
		}
		it.Lease = &Lease{Owner: l.Owner, Until: stamp(l.Until)}
		return true
	})
}

// SaveRefreshed is actionstore.Store.SaveRefreshed.
func (s *Users) SaveRefreshed(ctx context.Context, uid string, v tokens.Version, owner string, c signin.Credentials, now time.Time) (bool, error) {
	c.Kind = signin.KindOAuth2
	sealed, err := s.seal(uid, c)
	if err != nil {
		return false, fmt.Errorf("actionstore: sealing: %w", err)
	}
	return s.cond(ctx, OpSaveRefreshed, uid, func(it *Item) bool {
		if !pairIs(it, v) || it.Lease == nil || it.Lease.Owner != owner || !(it.Lease.Until > stamp(now)) {
			return false
		}
		it.Kind, it.Token, it.TokenExpiresAt, it.Refresh = sealed.Kind, sealed.Token, sealed.TokenExpiresAt, sealed.Refresh
		it.Lease = nil
		return true
	})
}

// ReleaseRefreshLease is actionstore.Store.ReleaseRefreshLease.
func (s *Users) ReleaseRefreshLease(ctx context.Context, uid, owner string) error {
	_, err := s.cond(ctx, OpReleaseRefreshLease, uid, func(it *Item) bool {
		if it.Lease == nil || it.Lease.Owner != owner {
			return false
		}
		it.Lease = nil
		return true
	})
	return err
}

// MarkReconnect is actionstore.Store.MarkReconnect.
func (s *Users) MarkReconnect(ctx context.Context, uid string, v tokens.Version, now time.Time) (bool, error) {
	return s.cond(ctx, OpMarkReconnect, uid, func(it *Item) bool {
		if !pairIs(it, v) {
			return false
		}
		it.Reconnect, it.ReconnectAt, it.Lease = true, stamp(now), nil
		return true
	})
}

// MarkLeaseExpired is actionstore.Store.MarkLeaseExpired.
func (s *Users) MarkLeaseExpired(ctx context.Context, uid string, v tokens.Version, l tokens.Lease, now time.Time) (bool, error) {
	return s.cond(ctx, OpMarkLeaseExpired, uid, func(it *Item) bool {
		if !pairIs(it, v) || it.Lease == nil || it.Lease.Owner != l.Owner || it.Lease.Until != stamp(l.Until) {
			return false
		}
		it.Reconnect, it.ReconnectAt, it.Lease = true, stamp(now), nil
		return true
	})
}

// Damage overwrites uid's sealed token with one no key opens (a rotated
// key this process does not know, or a damaged item); false when there is
// no such user.
func (s *Users) Damage(uid string) bool {
	return s.Update(uid, func(it *Item) {
		if it.Token != "" {
			it.Token = "v1.unknown-key." + strings.Repeat("A", 32)
		}
	})
}
