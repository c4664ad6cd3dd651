package ops

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/campaignstore"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// campaign writes a campaign item as campaignstore keeps it.
func (s *stack) campaign(t *testing.T, id string, status campaigns.Status, created time.Time, extra dynamo.Item) {
	t.Helper()
	it := dynamo.Item{
		campaignstore.AttrID: dynamo.S(id), campaignstore.AttrText: dynamo.S("Hello"), campaignstore.AttrStatus: dynamo.S(string(status)),
		campaignstore.AttrSent: dynamo.Int(2), campaignstore.AttrSkipped: dynamo.Int(1), campaignstore.AttrFailed: dynamo.Int(0), campaignstore.AttrUnknown: dynamo.Int(1),
		campaignstore.AttrRuns: dynamo.Int(3), campaignstore.AttrCreatedAt: dynamo.Time(created), campaignstore.AttrUpdatedAt: dynamo.Time(created.Add(time.Minute)),
		campaignstore.AttrCursor: dynamo.N("9007199254740993"),
	}
	for k, v := range extra {
		it[k] = v
	}
	if _, err := s.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(s.CampaignsTable), Item: it}); err != nil {
		t.Fatal(err)
	}
}

func TestEachCampaignSaysWhatItWaitsFor(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	s := newStack(t)
	s.put(t, user{uid: teststack.BrandUID, name: "brand", cred: "oauth2", token: "brand-access", refresh: "brand-refresh", created: now.Add(-time.Hour), brand: true},
		user{uid: "101", name: "a", created: now}, user{uid: "102", name: "b", created: now},
		user{uid: "103", name: "c", created: now}, user{uid: "104", name: "d", created: now})
	if _, _, err := campaignstore.New(s.db, s.CampaignsTable).Create(context.Background(), "launch", "Our launch is live", now.Add(-6*time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.campaign(t, "paused", campaigns.StatusPausedRateLimited, now.Add(-5*time.Hour), dynamo.Item{campaignstore.AttrResumeAfter: dynamo.Time(now.Add(12 * time.Minute)), campaignstore.AttrLastError: dynamo.S("rate_limited")})
	s.campaign(t, "capped", campaigns.StatusUsageCapped, now.Add(-4*time.Hour), nil)
	s.campaign(t, "busy", campaigns.StatusRunning, now.Add(-3*time.Hour), dynamo.Item{campaignstore.AttrLeaseOwner: dynamo.S("abc"), campaignstore.AttrLeaseUntil: dynamo.Time(now.Add(5 * time.Minute))})
	s.campaign(t, "regrant", campaigns.StatusBrandReconnect, now.Add(-2*time.Hour), nil)
	s.campaign(t, "over", campaigns.StatusDone, now.Add(-time.Hour), nil)

	r, err := s.Campaigns(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Audience != 5 || !r.Brand.CanSend() || r.Brand.String() != "the brand @brand (FOLLOW_UID 1900000000000000001): connected (oauth2)" {
		t.Errorf("audience %d, brand %q", r.Audience, r.Brand)
	}
	want := []struct{ id, waiting string }{
		{"launch", "the next run (make campaign ID=launch locally; deployed: the resume schedule or an invocation by id)"},
		{"paused", "X's DM window: resume_after " + now.Add(12*time.Minute).Format(time.RFC3339) + " (in 12m0s)"},
		{"capped", "X's usage cap: raise it in the developer portal, then run the campaign again by id"},
		{"busy", "a run in progress (its lease ends " + now.Add(5*time.Minute).Format(time.RFC3339) + ")"},
		{"regrant", "the brand to sign in again (its OAuth 2.0 grant is lost); the next run resumes"},
		{"over", "nothing: done"},
	}
	if len(r.Campaigns) != len(want) {
		t.Fatalf("%d campaigns", len(r.Campaigns))
	}
	for i, w := range want {
		t.Run(w.id+" waits for "+w.waiting, func(t *testing.T) {
			if c := r.Campaigns[i]; c.ID != w.id || c.Waiting != w.waiting {
				t.Errorf("campaign %d: %s waits for %q", i, c.ID, c.Waiting)
			}
		})
	}
	t.Run("the report shows counts and progress, never the cursor's uid", func(t *testing.T) {
		var out bytes.Buffer
		r.Write(&out, "local")
		text := out.String()
		for _, w := range []string{
			"stage local: 6 campaign(s); the brand @brand (FOLLOW_UID 1900000000000000001): connected (oauth2); about 5 users",
			"\nlaunch  running\n  counts        sent 0, skipped 0, failed 0, unknown 0 (runs 0)\n  progress      0 handled of about 5 users (0%); the cursor is at the start\n",
			"\npaused  paused_rate_limited\n  counts        sent 2, skipped 1, failed 0, unknown 1 (runs 3)\n  progress      4 handled of about 5 users (80%); the cursor is set\n",
			"  last stop     rate_limited\n",
			"  progress      every user handled (4)\n",
		} {
			if !strings.Contains(text, w) {
				t.Errorf("the report lacks %q:\n%s", w, text)
			}
		}
		if strings.Contains(text, "9007199254740993") {
			t.Error("the report shows a user's id")
		}
	})
}

// Without a brand that can send, a running campaign waits for the brand,
// and the report says what to do about it.
func TestACampaignWaitsForTheBrand(t *testing.T) {
	tests := []struct {
		name  string
		brand *user
		want  string
	}{
		{"the brand never signed in", nil, "not connected (sign in as the brand on the landing page)"},
		{"the brand's token was refused", &user{revoked: time.Now()}, "revoked (X refused its token: sign in as the brand again)"},
		{"the brand's grant is lost", &user{reconnect: true, cred: "oauth2", refresh: "r"}, "must reconnect (its OAuth 2.0 grant is lost: sign in as the brand again)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			if tt.brand != nil {
				b := *tt.brand
				b.uid, b.name, b.token, b.secret, b.created, b.brand = teststack.BrandUID, "brand", "tok", "sec", time.Now(), true
				s.put(t, b)
			}
			s.campaign(t, "launch", campaigns.StatusRunning, time.Now(), nil)
			r, err := s.Campaigns(context.Background(), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Campaigns) != 1 || !strings.HasSuffix(r.Campaigns[0].Waiting, tt.want) || !strings.HasPrefix(r.Campaigns[0].Waiting, "the brand account: ") {
				t.Errorf("waits for %q, want ...%q", r.Campaigns[0].Waiting, tt.want)
			}
		})
	}
}
