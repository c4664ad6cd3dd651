package signin

import (
	"context"
	"fmt"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

type reasonedErr string

func (r reasonedErr) Error() string  { return string(r) }
func (r reasonedErr) Reason() Reason { return Reason(r) }

// TestReason pins the one place where a failure becomes what a visitor's
// redirect says: the landing page explains each of these words.
func TestReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("wrapped: %w", ErrSessionNotFound), "session_not_found"},
		{fmt.Errorf("%w: no cookie", ErrSessionMismatch), "session_mismatch"},
		{ErrSessionExpired, "session_expired"},
		{ErrBadCallback, "bad_callback"},
		{fmt.Errorf("%w: put: timeout", ErrStoreUnavailable), "store_unavailable"},
		{ErrCorrupt, "session_corrupt"},
		{fmt.Errorf("x said: %w", reasonedErr("x_callback_not_approved")), "x_callback_not_approved"},
		{context.DeadlineExceeded, "timeout"},
		{fmt.Errorf("something else"), "internal"},
	}
	for _, tt := range tests {
		if got := ReasonOf(tt.err); string(got) != tt.want {
			t.Errorf("ReasonOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestEachSignInAsksForWhatItsSignUpUses: the access a sign-in asks X for,
// and the actions it requests, follow from the visitor's choices and what
// the stage does; the brand's start asks for the sender's grant.
func TestEachSignInAsksForWhatItsSignUpUses(t *testing.T) {
	tests := []struct {
		name        string
		followByAPI bool
		postsOptIn  bool
		c           Choices
		want        Access
		ownWork     bool
		actions     []useritem.Action
	}{
		{"a plain sign-up only names the visitor", true, true, Choices{}, Access{}, false, []useritem.Action{useritem.ActionWelcome}},
		{"follow ticked, the stage follows through the API", true, true, Choices{Follow: true}, Access{Follow: true}, true, []useritem.Action{useritem.ActionFollow, useritem.ActionWelcome}},
		{"follow ticked, the stage shows a follow button", false, true, Choices{Follow: true}, Access{}, false, []useritem.Action{useritem.ActionWelcome}},
		{"post ticked, the stage has a text", true, true, Choices{Tweet: true}, Access{Post: true}, true, []useritem.Action{useritem.ActionWelcome, useritem.ActionTweet}},
		{"post ticked, the stage has no text", true, false, Choices{Tweet: true}, Access{}, false, []useritem.Action{useritem.ActionWelcome}},
		{"everything ticked", true, true, Choices{Follow: true, Tweet: true}, Access{Follow: true, Post: true}, true, []useritem.Action{useritem.ActionFollow, useritem.ActionWelcome, useritem.ActionTweet}},
		{"the brand's start asks for the sender's grant, whatever is ticked", true, true, Choices{Brand: true, Follow: true, Tweet: true}, Access{Brand: true}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mode := FollowIntent
			if tt.followByAPI {
				mode = FollowAPI
			}
			s := &Service{BrandUID: "1", FollowMode: mode, PostsOptIn: tt.postsOptIn}
			got := s.Access(tt.c)
			if got != tt.want || got.OwnWork() != tt.ownWork {
				t.Fatalf("Access = %+v (own work %v), want %+v (own work %v)", got, got.OwnWork(), tt.want, tt.ownWork)
			}
			if tt.c.Brand {
				return
			}
			if acts := actionsFor(got); fmt.Sprint(acts) != fmt.Sprint(tt.actions) {
				t.Fatalf("actions %v, want %v", acts, tt.actions)
			}
		})
	}
}
