package xsandbox

import (
	"slices"
	"strconv"
	"time"
)

// Follow is one successful follow request. A client that follows twice shows
// up twice: on a paid plan each call costs money.
type Follow struct {
	At           time.Time `json:"at"`
	SourceUserID string    `json:"source_user_id"` // who follows
	TargetUserID string    `json:"target_user_id"` // who is followed
	Pending      bool      `json:"pending"`        // the target is protected: a follow request awaits approval
}

// DM is one Direct Message sent.
type DM struct {
	At             time.Time `json:"at"`
	EventID        string    `json:"dm_event_id"`
	ConversationID string    `json:"dm_conversation_id"`
	SenderID       string    `json:"sender_id"`
	RecipientID    string    `json:"recipient_id"`
	Text           string    `json:"text"`
}

// Tweet is one post created.
type Tweet struct {
	At       time.Time `json:"at"`
	ID       string    `json:"id"`
	AuthorID string    `json:"author_id"`
	Text     string    `json:"text"`
}

// Follows returns the follows made so far, oldest first.
func (s *Sandbox) Follows() []Follow { return snapshot(s, &s.follows) }

// DMs returns the Direct Messages sent so far, oldest first.
func (s *Sandbox) DMs() []DM { return snapshot(s, &s.dms) }

// Tweets returns the posts created so far, oldest first.
func (s *Sandbox) Tweets() []Tweet { return snapshot(s, &s.tweets) }

// snapshot is a copy of a list of the sandbox, read under s.mu.
func snapshot[T any](s *Sandbox, list *[]T) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(*list)
}

// firstID makes post and DM event ids 19 digits long, beyond 2^53 like X's.
const firstID = 1_950_000_000_000_000_000

// nextID returns a new post or DM event id. The caller holds s.mu.
func (s *Sandbox) nextID() string {
	s.lastID++
	return strconv.FormatUint(firstID+s.lastID, 10)
}
