package actions_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
	"github.com/twitter-sessions/twitter-sessions/tools/ddbproxy"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// points reads the metrics the function published in its log so far.
func (s *stack) points() []metrics.Point {
	s.t.Helper()
	ps, err := metrics.Read(s.logs.String())
	if err != nil {
		s.t.Fatal(err)
	}
	return ps
}

// A campaign run estimates what is left with one DescribeTable of the users
// table at its end (none once the campaign is done); a DescribeTable that
// fails costs the run only that estimate.
func TestACampaignRunEstimatesWhatIsLeftFromTheItemCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		capped    bool            // X answers the first DM usage-capped: the run stops halfway
		fault     *ddbproxy.Fault // on the function's DynamoDB calls
		status    campaigns.Status
		describes int  // DescribeTable calls of the run
		known     bool // CampaignRemaining on the run's line
	}{
		{"a run stopped halfway publishes the item count less the users handled", true, nil, campaigns.StatusUsageCapped, 1, true},
		{"a run that reached the end publishes 0 without asking DynamoDB", false, nil, campaigns.StatusDone, 0, true},
		{"a run whose DescribeTable fails publishes no estimate and ends as it would have",
			true, &ddbproxy.Fault{Op: "DescribeTable", Kind: ddbproxy.Error5xx}, campaigns.StatusUsageCapped, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, teststack.ViaProxy())
			for _, uid := range []string{brandUID, aliceUID, bobUID, carolUID} {
				s.subscriber(uid)
			}
			if tt.capped {
				s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, ProblemType: xsandbox.ProblemUsageCapped})
			}
			if tt.fault != nil {
				s.proxy.Inject(*tt.fault)
			}
			s.proxy.Reset()
			c := s.runCampaign(10*time.Second, `{"id":"spring","text":"Spring sale"}`).Campaigns[0]
			if c.Status != tt.status {
				t.Fatalf("status %s, want %s: %+v", c.Status, tt.status, c)
			}
			if got := s.proxy.Counts()["DescribeTable"]; got != tt.describes {
				t.Errorf("%d DescribeTable calls, want %d", got, tt.describes)
			}
			var left []float64
			for _, p := range s.points() {
				if p.Name == metrics.CampaignRemaining {
					left = append(left, p.Value)
				}
			}
			switch want := max(0, 4-(c.Sent+c.Skipped+c.Failed+c.Unknown)); {
			case !tt.known && len(left) != 0:
				t.Errorf("CampaignRemaining %v published without the item count", left)
			case tt.known && (len(left) != 1 || left[0] != float64(want)):
				t.Errorf("CampaignRemaining %v, want [%d] (4 users, %+v)", left, want, c)
			}
			if !tt.known && len(s.logLines("message", "the users table's item count is unknown: this run publishes no CampaignRemaining")) != 1 {
				t.Error("the failed DescribeTable was not logged")
			}
		})
	}
}

// An outcome is counted once it is recorded. One whose record failed stays
// sending and is counted by the sweep that marks it unknown: once, never
// also with the outcome the table never held.
func TestAnActionOutcomeIsCountedOnceRecorded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   *ddbproxy.Fault
		outcome string // the one ActionOutcomes of alice's welcome DM
	}{
		{"a recorded outcome is counted as recorded", nil, "done"},
		{"an outcome whose record failed is counted by the sweep only, as unknown",
			&ddbproxy.Fault{Op: "UpdateItem", Kind: ddbproxy.Error5xx, After: 1}, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, teststack.ViaProxy())
			s.signIn(brandUID, false, false)
			s.signIn(aliceUID, false, false)
			if tt.fault != nil {
				s.proxy.Inject(*tt.fault)
			}
			var resp events.DynamoDBEventResponse
			if err := json.Unmarshal(s.invoke(30*time.Second, streamEvent(aliceUID)), &resp); err != nil {
				t.Fatal(err)
			}
			s.proxy.Clear()
			s.h.Stream.Stale = time.Nanosecond // the run is over: its claim is stale
			s.sweep(10 * time.Second)

			var got []string
			for _, p := range s.points() {
				if p.Name == metrics.ActionOutcomes && len(p.Dimensions) == 2 {
					got = append(got, p.Dimensions[metrics.DimAction]+" "+p.Dimensions[metrics.DimOutcome])
				}
			}
			if len(got) != 1 || got[0] != "welcome "+tt.outcome {
				t.Errorf("ActionOutcomes %v, want [welcome %s]", got, tt.outcome)
			}
			if len(s.dmsTo(aliceUID)) != 1 {
				t.Errorf("%d welcome DMs to alice, want 1", len(s.dmsTo(aliceUID)))
			}
		})
	}
}
