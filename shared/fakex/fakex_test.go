package fakex_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/fakex"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// TestScriptedAnswersAndWhatXDid: answers are taken in order, then
// success; X counts what it was asked and what it did.
func TestScriptedAnswersAndWhatXDid(t *testing.T) {
	ctx := context.Background()
	x := fakex.New()
	x.Script(fakex.DM, fakex.ActedThenUnavailable(503), fakex.TooMany(time.Now().Add(time.Minute)), fakex.Timeout())
	var errs []error
	for range 4 {
		_, err := x.SendDM(ctx, signin.Credentials{Token: "t"}, "42", "hi")
		errs = append(errs, err)
	}
	if !xapi.OutcomeUnknown(errs[0]) || xapi.OutcomeUnknown(errs[1]) || !errors.Is(errs[2], xapi.ErrTimeout) || errs[3] != nil {
		t.Fatalf("answers: %v", errs)
	}
	if x.Calls(fakex.DM) != 4 || x.Acted(fakex.DM) != 2 || x.DMsTo("42") != 2 {
		t.Fatalf("calls %d, acted %d", x.Calls(fakex.DM), x.Acted(fakex.DM))
	}
}

// TestARefreshTokenIsSingleUse: a refresh spends its token; presented
// again it is refused (invalid_grant) and counted; a 429 or our client's
// 401 does not spend it.
func TestARefreshTokenIsSingleUse(t *testing.T) {
	ctx := context.Background()
	x := fakex.New()
	c := x.Issue("42", time.Now(), true)
	x.Script(fakex.Refresh, fakex.TooMany(time.Now().Add(time.Minute)), fakex.InvalidClient())
	for range 2 {
		if _, err := x.Refresh(ctx, c.Refresh); err == nil {
			t.Fatal("a scripted refusal succeeded")
		}
	}
	next, err := x.Refresh(ctx, c.Refresh)
	if err != nil || next.Refresh == "" || next.Refresh == c.Refresh {
		t.Fatalf("refresh: %+v %v", next, err)
	}
	var xe *xapi.Error
	if _, err := x.Refresh(ctx, c.Refresh); !errors.As(err, &xe) || !xe.GrantInvalid() {
		t.Fatalf("a spent refresh token: %v, want invalid_grant", err)
	}
	if r := x.Reused(); len(r) != 1 || r[0] != c.Refresh {
		t.Fatalf("reused: %v", r)
	}
	x.Script(fakex.Refresh, fakex.ActedThenLost())
	if _, err := x.Refresh(ctx, next.Refresh); !xapi.OutcomeUnknown(err) {
		t.Fatalf("a lost answer: %v", err)
	}
	if _, err := x.Refresh(ctx, next.Refresh); err == nil || len(x.Reused()) != 2 {
		t.Fatal("a token spent by a refresh whose answer was lost was taken again")
	}
}
