package actions_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/tools/ddbproxy"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// TestActionsDynamoDBFaults fails each of the function's DynamoDB calls for a
// new user's welcome DM: reading the user, claiming the action, and writing
// the outcome after X answered. Before the claim, the record is handed back
// to Lambda (BatchItemFailures) and nothing reached X; once DynamoDB is back,
// the redelivery sends the DM once. After X answered, a failed outcome write
// leaves the action "sending": redeliveries never send it again.
func TestActionsDynamoDBFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     ddbproxy.Fault
		handsBack bool // reported in BatchItemFailures
		dmsAfter  int  // DMs to alice after the fault and a redelivery
		state     string
	}{
		{"reading the user fails", ddbproxy.Fault{Op: "GetItem", Kind: ddbproxy.Error5xx}, true, 1, "done"},
		{"reading the user times out", ddbproxy.Fault{Op: "GetItem", Kind: ddbproxy.Slow, Delay: 10 * time.Second}, true, 1, "done"},
		{"claiming the action fails", ddbproxy.Fault{Op: "UpdateItem", Kind: ddbproxy.Error5xx}, true, 1, "done"},
		{"claiming the action gets a malformed answer", ddbproxy.Fault{Op: "UpdateItem", Kind: ddbproxy.Malformed}, true, 1, "done"},
		{"writing the outcome fails after X sent the DM", ddbproxy.Fault{Op: "UpdateItem", Kind: ddbproxy.Error5xx, After: 1}, false, 1, "sending"},
		{"writing the outcome loses the connection after X sent the DM", ddbproxy.Fault{Op: "UpdateItem", Kind: ddbproxy.Drop, After: 1}, false, 1, "sending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, teststack.ViaProxy())
			s.signIn(brandUID, false, false)
			s.signIn(aliceUID, false, false)

			s.proxy.Inject(tt.fault)
			var resp events.DynamoDBEventResponse
			if err := json.Unmarshal(s.invoke(30*time.Second, streamEvent(aliceUID)), &resp); err != nil {
				t.Fatal(err)
			}
			if handedBack := len(resp.BatchItemFailures) == 1; handedBack != tt.handsBack {
				t.Fatalf("BatchItemFailures %v, want handed back = %v", resp.BatchItemFailures, tt.handsBack)
			}
			if tt.handsBack && s.calls("dm") != 0 {
				t.Fatal("X was called for a record handed back to Lambda")
			}

			// DynamoDB is back; Lambda delivers the record again (twice, for good measure).
			s.proxy.Clear()
			for range 2 {
				s.invoke(30*time.Second, streamEvent(aliceUID))
			}
			if got := len(s.dmsTo(aliceUID)); got != tt.dmsAfter {
				t.Fatalf("%d welcome DMs to alice, want %d", got, tt.dmsAfter)
			}
			if state, _, _ := s.action(aliceUID, "welcome"); state != tt.state {
				t.Fatalf("a_welcome = %s, want %s", state, tt.state)
			}
			if tt.state == "sending" && !strings.Contains(s.logs.String(), "record_error") {
				t.Fatal("the failed outcome write was not logged")
			}
		})
	}
}
