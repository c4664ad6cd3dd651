package xsandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/xtext"
)

// v2Handler handles an X API v2 call already authenticated as me.
type v2Handler func(in *inbound, me User) reply

// v2 wraps a v2 handler with OAuth 1.0a user-context authentication (RFC 5849
// section 3: consumer credentials plus the user's access token) and X's
// per-user rate limit. Every answer carries the x-rate-limit-* headers.
func (s *Sandbox) v2(endpoint string, h v2Handler) handlerFunc {
	return func(in *inbound) reply {
		me, rep, ok := s.authenticateUser(in, endpoint)
		if !ok {
			s.limits.peek(endpoint, "", in.now).setHeaders(&rep)
			return rep
		}
		st, ok := s.limits.take(endpoint, me.ID, in.now)
		if ok {
			rep = h(in, me)
		} else {
			rep = problemReply(http.StatusTooManyRequests, "", "Too Many Requests", "Too Many Requests",
				fmt.Sprintf("rate limit of %s for user %s exhausted until %d", endpoint, me.ID, st.reset.Unix()))
		}
		st.setHeaders(&rep)
		rep.userID = me.ID
		return rep
	}
}

// authenticateUser checks a v2 request's OAuth 1.0a user-context signature,
// or its OAuth 2.0 user-context bearer token (see authenticateBearer).
// X answers every OAuth failure on v2 with a bare 401 problem; Call.Error
// keeps the precise reason.
func (s *Sandbox) authenticateUser(in *inbound, endpoint string) (User, reply, bool) {
	if token, ok := bearerToken(in.r); ok {
		return s.authenticateBearer(token, endpoint, in.now)
	}
	sr, aerr := parseSignedRequest(in.r, in.body)
	if aerr != nil {
		return User{}, unauthorized(aerr.reason), false
	}
	at := s.accessTokens[sr.get(paramToken)]
	switch {
	case sr.get(paramToken) == "":
		return User{}, unauthorized("no oauth_token: v2 calls need the user's access token"), false
	case at == nil:
		return User{}, unauthorized("unknown access token"), false
	}
	if aerr := s.verify(sr, at.secret, in.now); aerr != nil {
		return User{}, unauthorized(aerr.reason), false
	}
	if at.revoked {
		return User{}, unauthorized("access token revoked by user " + at.userID), false
	}
	me, ok := s.userByID[at.userID]
	if !ok {
		return User{}, unauthorized("access token of " + at.userID + ", which is not a sandbox user"), false
	}
	if !at.level.allows(endpoint) {
		rep := oauth1PermissionsProblem(at.level, endpoint)
		rep.userID = me.ID
		return User{}, rep, false
	}
	return me, reply{}, true
}

// handleUsersMe answers GET /2/users/me.
func (s *Sandbox) handleUsersMe(_ *inbound, me User) reply {
	return jsonReply(http.StatusOK, map[string]any{"data": map[string]string{"id": me.ID, "name": me.Name, "username": me.Username}})
}

// handleFollow answers POST /2/users/:id/following. A protected target makes
// the follow a pending request.
func (s *Sandbox) handleFollow(in *inbound, me User) reply {
	if id := in.r.PathValue("id"); id != me.ID {
		return forbidden(fmt.Sprintf("the path id %s is not the authenticated user %s", id, me.ID))
	}
	var req struct {
		TargetUserID string `json:"target_user_id"`
	}
	if rep, ok := decodeJSON(in.body, &req); !ok {
		return rep
	}
	target, ok := s.userByID[req.TargetUserID]
	switch {
	case req.TargetUserID == "":
		return invalidRequest("The `target_user_id` field is required.")
	case !ok:
		return invalidRequest(fmt.Sprintf("The `target_user_id` %q is not a user.", req.TargetUserID))
	case target.ID == me.ID:
		return invalidRequest("You cannot follow yourself.")
	}
	s.follows = append(s.follows, Follow{At: in.now, SourceUserID: me.ID, TargetUserID: target.ID, Pending: target.Protected})
	return jsonReply(http.StatusOK, map[string]any{"data": map[string]bool{
		"following":      !target.Protected,
		"pending_follow": target.Protected,
	}})
}

// handleDM answers POST /2/dm_conversations/with/:participant_id/messages.
func (s *Sandbox) handleDM(in *inbound, me User) reply {
	recipient, ok := s.userByID[in.r.PathValue("participant_id")]
	if !ok {
		return invalidRequest(fmt.Sprintf("The `participant_id` %q is not a user.", in.r.PathValue("participant_id")))
	}
	var req struct {
		Text string `json:"text"`
	}
	if rep, ok := decodeJSON(in.body, &req); !ok {
		return rep
	}
	switch {
	case strings.TrimSpace(req.Text) == "":
		return invalidRequest("The `text` field is required and must not be empty.")
	case xtext.DMLength(req.Text) > xtext.DMMaxLength:
		// X's limit for a Direct Message, in characters.
		return invalidRequest(fmt.Sprintf("The `text` field must be at most %d characters long.", xtext.DMMaxLength))
	case recipient.ID == me.ID:
		// Whether X lets a user DM themselves is not confirmed; refusing keeps
		// clients honest.
		return invalidRequest("You cannot send a Direct Message to yourself.")
	case !recipient.acceptsDMs():
		return forbidden(fmt.Sprintf("@%s does not accept DMs from @%s", recipient.Username, me.Username))
	}
	dm := DM{
		At:             in.now,
		EventID:        s.nextID(),
		ConversationID: conversationID(me.ID, recipient.ID),
		SenderID:       me.ID,
		RecipientID:    recipient.ID,
		Text:           req.Text,
	}
	s.dms = append(s.dms, dm)
	return jsonReply(http.StatusCreated, map[string]any{"data": map[string]string{
		"dm_conversation_id": dm.ConversationID,
		"dm_event_id":        dm.EventID,
	}})
}

// handleTweet answers POST /2/tweets. Like X, it refuses a user's duplicate
// of a post they already made.
func (s *Sandbox) handleTweet(in *inbound, me User) reply {
	var req struct {
		Text string `json:"text"`
	}
	if rep, ok := decodeJSON(in.body, &req); !ok {
		return rep
	}
	if strings.TrimSpace(req.Text) == "" {
		return invalidRequest("The `text` field is required and must not be empty.")
	}
	if xtext.PostWeight(req.Text) > xtext.PostMaxWeight {
		// X's limit for a post, weighted as twitter-text weighs it.
		return invalidRequest(fmt.Sprintf("The `text` field is too long: a post weighs at most %d.", xtext.PostMaxWeight))
	}
	for _, t := range s.tweets {
		if t.AuthorID == me.ID && t.Text == req.Text {
			return problemReply(http.StatusForbidden, "", "Forbidden",
				"You are not allowed to create a Tweet with duplicate content.", "duplicate of post "+t.ID)
		}
	}
	t := Tweet{At: in.now, ID: s.nextID(), AuthorID: me.ID, Text: req.Text}
	s.tweets = append(s.tweets, t)
	return jsonReply(http.StatusCreated, map[string]any{"data": map[string]any{
		"id":                     t.ID,
		"text":                   t.Text,
		"edit_history_tweet_ids": []string{t.ID},
	}})
}

// decodeJSON reads a v2 JSON body. Ids must be JSON strings: a number (the
// mark of a client that went through float64) is a 400, as on X.
func decodeJSON(body []byte, v any) (reply, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return invalidRequest("The request body is not valid JSON for this endpoint: " + err.Error()), false
	}
	return reply{}, true
}

// conversationID is X's id of a one-to-one conversation: both user ids,
// smaller first, compared as numbers without going through float64.
func conversationID(a, b string) string {
	if len(a) > len(b) || (len(a) == len(b) && a > b) {
		a, b = b, a
	}
	return a + "-" + b
}
