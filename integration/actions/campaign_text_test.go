package actions_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// subscribers is a stack with the brand and n subscribers who accept DMs.
func subscribers(t *testing.T, n int) (*stack, []string) {
	var extra []xsandbox.User
	var uids []string
	for i := range n {
		uid := fmt.Sprintf("18%017d", i+1)
		extra = append(extra, xsandbox.User{ID: uid, Username: fmt.Sprintf("fan%03d", i), Name: "Fan"})
		uids = append(uids, uid)
	}
	s := newStack(t, teststack.WithUsers(extra))
	s.subscriber(brandUID)
	for _, uid := range uids {
		s.subscriber(uid)
	}
	return s, uids
}

// A campaign text of 10,000 characters is within X's limit alone, but every
// DM carries the unsubscribe line: X refuses each one, and each recipient
// would be marked and lose the campaign. It is refused when the campaign
// starts, before anyone is marked.
func TestACampaignTextTooLongWithTheFooterIsRefusedAtTheStart(t *testing.T) {
	t.Parallel()
	s, uids := subscribers(t, 3)
	text := strings.Repeat("x", campaigns.MaxTextLength)
	ev, _ := json.Marshal(map[string]any{"campaign": map[string]string{"id": "too-long", "text": text}})
	_, err := s.h.Handle(context.Background(), ev)
	if !errors.Is(err, campaigns.ErrTextTooLong) || !strings.Contains(err.Error(), "shorten it to") {
		t.Fatalf("err = %v, want %v with the numbers", err, campaigns.ErrTextTooLong)
	}
	if n := s.calls("dm"); n != 0 {
		t.Fatalf("%d DMs sent to X", n)
	}
	for _, uid := range uids {
		if len(s.campaignsSent(uid)) != 0 {
			t.Fatalf("%s was marked for a campaign that never started", uid)
		}
	}
	if _, err := s.h.Campaigns.Catalog.Get(context.Background(), "too-long"); !errors.Is(err, campaigns.ErrNotFound) {
		t.Fatalf("the campaign was created: %v", err)
	}

	// The longest text that fits with the footer goes out.
	footer := len("\n\nStop these messages: ") + len(s.deps.Links.URL("18446744073709551615"))
	fits := strings.Repeat("y", campaigns.MaxTextLength-footer)
	rep := s.runCampaign(10*time.Second, `{"id":"fits","text":"`+fits+`"}`)
	if c := rep.Campaigns[0]; c.Status != campaigns.StatusDone || c.Sent != 3 || c.Failed != 0 {
		t.Fatalf("a text that fits: %+v", c)
	}
}

// A campaign stored before its text was checked stops at its next run,
// nothing sent.
func TestAStoredCampaignWhoseTextXRefusesStops(t *testing.T) {
	t.Parallel()
	s, uids := subscribers(t, 2)
	if _, _, err := s.h.Campaigns.Catalog.Create(context.Background(), "old", strings.Repeat("x", campaigns.MaxTextLength), time.Now()); err != nil {
		t.Fatal(err)
	}
	rep := s.runCampaign(5*time.Second, `{"id":"old"}`)
	if c := rep.Campaigns[0]; c.Stopped != campaigns.StopXRejectsText || c.Status != campaigns.StatusTextRejected || c.Sent+c.Skipped+c.Failed+c.Unknown != 0 {
		t.Fatalf("%+v", c)
	}
	if s.calls("dm") != 0 || len(s.campaignsSent(uids[0])) != 0 {
		t.Fatal("DMs were sent or recipients marked")
	}
	rep = s.runCampaign(5*time.Second, `{"resume":true}`)
	if c := rep.Campaigns[0]; c.Stopped != campaigns.StopXRejectsText || s.calls("dm") != 0 {
		t.Fatalf("the schedule ran it: %+v", c)
	}
}

// X refuses the DM the same way for recipient after recipient (a text it
// will not take, whatever our count says): the campaign stops after
// RejectStreak of them rather than mark the whole audience failed.
func TestTheSame4xxForRecipientsInARowStopsTheCampaign(t *testing.T) {
	t.Parallel()
	const n = campaigns.DefaultRejectStreak + 5
	s, uids := subscribers(t, n)
	s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, Status: 400, ProblemType: xsandbox.ProblemInvalidRequest, Times: 1000})
	rep := s.runCampaign(10*time.Second, `{"id":"refused","text":"Our launch"}`)
	c := rep.Campaigns[0]
	if c.Stopped != campaigns.StopXRejectsText || c.Status != campaigns.StatusTextRejected || c.LastError != string(campaigns.StopXRejectsText) {
		t.Fatalf("%+v", c)
	}
	if c.Failed != campaigns.DefaultRejectStreak || s.calls("dm") != campaigns.DefaultRejectStreak || c.Sent != 0 {
		t.Fatalf("failed %d, %d DM calls; want %d of each", c.Failed, s.calls("dm"), campaigns.DefaultRejectStreak)
	}
	untouched := 0
	for _, uid := range uids {
		if len(s.campaignsSent(uid)) == 0 {
			untouched++
		}
	}
	if untouched != n-campaigns.DefaultRejectStreak {
		t.Fatalf("%d recipients left unmarked, want %d", untouched, n-campaigns.DefaultRejectStreak)
	}

	// The schedule leaves it alone; run by id once X takes the DMs again,
	// it reaches the rest.
	rep = s.runCampaign(5*time.Second, `{"resume":true}`)
	if c := rep.Campaigns[0]; c.Stopped != campaigns.StopXRejectsText || s.calls("dm") != campaigns.DefaultRejectStreak {
		t.Fatalf("the schedule ran it: %+v", c)
	}
	s.sb.ClearFaults()
	rep = s.runCampaign(10*time.Second, `{"id":"refused"}`)
	if c := rep.Campaigns[0]; c.Status != campaigns.StatusDone || c.Sent != n-campaigns.DefaultRejectStreak {
		t.Fatalf("run by id: %+v", c)
	}
}

// Refusals that differ, or that a sent DM interrupts, are each recipient's
// own: the campaign goes on.
func TestRefusalsThatAreNotInARowDoNotStopTheCampaign(t *testing.T) {
	t.Parallel()
	const n = 2 * campaigns.DefaultRejectStreak
	s, _ := subscribers(t, n)
	// Every other DM is refused: never two in a row.
	for range n / 2 {
		s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, Status: 400, ProblemType: xsandbox.ProblemInvalidRequest})
		s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, Delay: time.Millisecond})
	}
	rep := s.runCampaign(10*time.Second, `{"id":"mixed","text":"Our launch"}`)
	if c := rep.Campaigns[0]; c.Status != campaigns.StatusDone || c.Failed != n/2 || c.Sent != n/2 {
		t.Fatalf("%+v", c)
	}
}
