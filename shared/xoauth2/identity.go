package xoauth2

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// meAnswer is GET /2/users/me's success. The id is a decimal string beyond
// 2^53: json.Number keeps its digits whether X sends it quoted (as it does)
// or not, and never through a float64.
type meAnswer struct {
	Data struct {
		ID       json.Number `json:"id"`
		Username string      `json:"username"`
	} `json:"data"`
}

// me asks X whose access token this is: GET /2/users/me (users.read).
func (p *Protocol) me(ctx context.Context, token string) (signin.Identity, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/2/users/me", nil)
	if err != nil {
		return signin.Identity{}, fmt.Errorf("xoauth2: %s: %w", StepUsersMe, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := p.http.Do(req)
	if err != nil {
		return signin.Identity{}, xapi.Classify(StepUsersMe, err)
	}
	defer resp.Body.Close()
	body, err := xapi.ReadBody(resp.Body)
	if err != nil {
		return signin.Identity{}, xapi.Classify(StepUsersMe, err)
	}
	if resp.StatusCode != http.StatusOK {
		return signin.Identity{}, xapi.ParseError(StepUsersMe, resp.StatusCode, resp.Header, body)
	}
	var a meAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return signin.Identity{}, fmt.Errorf("%w: %s: not a user object", xapi.ErrMalformed, StepUsersMe)
	}
	id := signin.Identity{UserID: a.Data.ID.String(), ScreenName: a.Data.Username}
	if !xid.Valid(id.UserID) {
		return signin.Identity{}, fmt.Errorf("%w: %s: data.id is not an X id", xapi.ErrMalformed, StepUsersMe)
	}
	if !xid.ValidHandle(id.ScreenName) {
		return signin.Identity{}, fmt.Errorf("%w: %s: data.username is not an X handle", xapi.ErrMalformed, StepUsersMe)
	}
	return id, nil
}
