package signin

import (
	"context"
	"fmt"
	"testing"
)

type reasonedErr string

func (r reasonedErr) Error() string  { return string(r) }
func (r reasonedErr) Reason() string { return string(r) }

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

func TestActionsFor(t *testing.T) {
	s := &Service{BrandUID: "1", FollowByAPI: true}
	tests := []struct {
		name string
		u    User
		want []Action
	}{
		{"a visitor who ticked everything gets all three", User{Choices: Choices{Follow: true, Tweet: true}}, []Action{ActionFollow, ActionWelcome, ActionTweet}},
		{"a visitor who ticked nothing still gets the welcome DM", User{}, []Action{ActionWelcome}},
		{"the brand releases waiting DMs instead", User{Brand: true, Choices: Choices{Follow: true}}, []Action{ActionRelease}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.actionsFor(tt.u); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("%v, want %v", got, tt.want)
			}
		})
	}
	s.FollowByAPI = false
	if got := s.actionsFor(User{Choices: Choices{Follow: true}}); fmt.Sprint(got) != fmt.Sprint([]Action{ActionWelcome}) {
		t.Fatalf("intent/off mode requested a follow: %v", got)
	}
}
