package actions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// TestConcurrentInvocationsRefreshEachExpiredTokenOnce: every OAuth 2.0
// token on the stage has expired, the brand's included, and 30 invocations
// start at once: stream batches that each hold five users (so every user's
// record is in five of them, and every batch needs the brand's token for
// the welcome DMs), and runs of three campaigns, which need the brand's
// token too. Each token is refreshed exactly once, no refresh token reaches
// X twice, nobody is lost (nobody is marked reconnect, the brand's stored
// token works), and every follow, post and DM happens exactly once. The
// visitors' grants are an earlier version's (with a refresh token); once
// their follow and post are done their credentials are removed and revoked
// at X while other invocations still hold their records, and no refresh
// follows a removal. Records handed back (another invocation was
// refreshing beyond the wait) are delivered again, as Lambda does.
func TestConcurrentInvocationsRefreshEachExpiredTokenOnce(t *testing.T) {
	t.Parallel()
	const (
		nUsers      = 20
		perBatch    = 5
		nCampaigns  = 3
		invocations = 30
	)
	uid := func(i int) string { return fmt.Sprintf("16%017d", i+1) }
	var extra []xsandbox.User
	for i := range nUsers {
		extra = append(extra, xsandbox.User{ID: uid(i), Username: fmt.Sprintf("conc%02d", i), Name: "Concurrent"})
	}
	s := newStack(t, teststack.WithUsers(extra))
	s.signInOAuth2(brandUID, false, false, 0)
	for i := range nUsers {
		s.signInOAuth2(uid(i), true, true, 0)
	}
	campaignText := func(c int) string { return fmt.Sprintf("Campaign %d is live", c) }
	for c := range nCampaigns {
		if _, _, err := s.h.Campaigns.Catalog.Create(context.Background(), fmt.Sprint("c", c), campaignText(c), time.Now()); err != nil {
			t.Fatal(err)
		}
	}

	// The first invocation to take the brand's lease holds it until another
	// has met it, so that the lease is exercised however the goroutines are
	// scheduled (on a busy machine they can run one after the other).
	contention := &countingStore{Store: s.tokens().Store, hold: brandUID, met: make(chan struct{})}
	s.tokens().Store = contention
	var (
		mu     sync.Mutex
		retry  = map[string]bool{}
		start  = make(chan struct{})
		wg     sync.WaitGroup
		handle = lambda.NewHandler(s.h.Handle)
	)
	for g := range invocations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := teststack.LambdaContext(t, refreshBudget)
			<-start
			if g >= nUsers {
				if _, err := handle.Invoke(ctx, []byte(fmt.Sprintf(`{"campaign":{"id":"c%d"}}`, g%nCampaigns))); err != nil {
					t.Errorf("campaign run: %v", err)
				}
				return
			}
			var uids []string
			for k := range perBatch {
				uids = append(uids, uid((g+k)%nUsers))
			}
			out, err := handle.Invoke(ctx, []byte(streamEvent(uids...)))
			var resp events.DynamoDBEventResponse
			if err == nil {
				err = json.Unmarshal(out, &resp)
			}
			if err != nil {
				t.Errorf("stream batch: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, f := range resp.BatchItemFailures {
				retry[uids[f.ItemIdentifier[len(f.ItemIdentifier)-1]-'0']] = true
			}
		}()
	}
	close(start)
	wg.Wait()

	// Lambda delivers the handed-back records again; the schedule (or an
	// operator) runs the campaigns until they are done.
	for u := range retry {
		if back := s.handedBack(refreshBudget, u); len(back) != 0 {
			t.Fatalf("%s handed back again", u)
		}
	}
	for c := range nCampaigns {
		for runs := 0; ; runs++ {
			rep := s.runCampaign(refreshBudget, fmt.Sprintf(`{"id":"c%d"}`, c))
			if rep.Campaigns[0].Status == campaigns.StatusDone {
				break
			}
			if runs > 5 {
				t.Fatalf("campaign c%d: %+v", c, rep.Campaigns[0])
			}
		}
	}

	everyone := []string{brandUID}
	for i := range nUsers {
		everyone = append(everyone, uid(i))
	}
	for _, u := range everyone {
		if n := len(s.refreshesOf(u)); n != 1 || !s.refreshesOf(u)[0].OK {
			t.Errorf("%s: %d refreshes, want exactly one that worked", u, n)
		}
		if s.reconnect(u) || s.revoked(u) {
			t.Errorf("%s: lost (reconnect %v, revoked %v)", u, s.reconnect(u), s.revoked(u))
		}
	}
	if !s.bearerWorks(brandUID) {
		t.Error("the brand's stored token does not work")
	}
	for i := range nUsers {
		s.wantNoCredentials(uid(i))
		if o2, _ := s.revocations(uid(i)); o2 != 2 {
			t.Errorf("%s: %d revocations at X, want 2 (the refresh token, then the access token, once)", uid(i), o2)
		}
	}
	s.wantNoRefreshTokenPresentedTwice()
	follows, tweets := map[string]int{}, map[string]int{}
	for _, f := range s.sb.Follows() {
		follows[f.SourceUserID]++
	}
	for _, tw := range s.sb.Tweets() {
		tweets[tw.AuthorID]++
	}
	for i := range nUsers {
		u := uid(i)
		for _, a := range []string{"follow", "welcome", "tweet"} {
			s.wantAction(u, a, "done", "")
		}
		if follows[u] != 1 || tweets[u] != 1 {
			t.Errorf("%s: %d follows, %d posts", u, follows[u], tweets[u])
		}
		texts := map[string]int{}
		for _, d := range s.dmsTo(u) {
			text, _, _ := strings.Cut(d.Text, "\n\nStop these messages: ")
			texts[text]++
		}
		want := map[string]int{welcomeText: 1}
		for c := range nCampaigns {
			want[campaignText(c)] = 1
		}
		if fmt.Sprint(texts) != fmt.Sprint(want) {
			t.Errorf("%s got the DMs %v", u, texts)
		}
	}
	waited, refused := contention.waited.Load(), contention.refused.Load()
	if waited+refused == 0 {
		t.Error("no invocation met another's refresh: the test did not exercise the lease")
	}
	t.Logf("%d invocations at once: %d reads found another's live lease, %d lease writes refused; %d records handed back and delivered again; %d refreshes; %d DMs",
		invocations, waited, refused, len(retry), len(s.sb.OAuth2Refreshes()), len(s.sb.DMs()))
}

// countingStore counts, on the real store, the reads that found another
// invocation's live lease and the lease writes refused. The first lease
// taken on hold is kept (the taker waits, the lease stays live in the
// table) until another invocation has met it, or the taker's time is up.
type countingStore struct {
	tokens.Store
	waited, refused atomic.Int64

	hold     string
	met      chan struct{}
	metOnce  sync.Once
	heldOnce atomic.Bool
}

func (c *countingStore) meet(uid string) {
	if uid == c.hold {
		c.metOnce.Do(func() { close(c.met) })
	}
}

func (c *countingStore) ReadTokens(ctx context.Context, uid string) (tokens.Stored, error) {
	st, err := c.Store.ReadTokens(ctx, uid)
	if st.Lease.Owner != "" && st.Lease.Until.After(time.Now()) {
		c.waited.Add(1)
		c.meet(uid)
	}
	return st, err
}

func (c *countingStore) TakeRefreshLease(ctx context.Context, uid string, v tokens.Version, l tokens.Lease) (bool, error) {
	ok, err := c.Store.TakeRefreshLease(ctx, uid, v, l)
	if err == nil && !ok {
		c.refused.Add(1)
		c.meet(uid)
	}
	if err == nil && ok && uid == c.hold && c.heldOnce.CompareAndSwap(false, true) {
		select {
		case <-c.met:
		case <-ctx.Done():
		}
	}
	return ok, err
}
