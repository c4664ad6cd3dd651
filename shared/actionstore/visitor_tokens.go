package actionstore

import (
	"context"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// ownWork are the actions made with the user's own token, whose state the
// removal of a visitor's credentials waits for.
var ownWork = []useritem.Action{useritem.ActionFollow, useritem.ActionTweet}

// ScanVisitorTokens returns one page of the items that hold an access
// token and are not the brand's, opened as GetActionUser opens them (the
// sweep revokes what it removes). A filtered Scan on the sweep's schedule:
// after a visitor's work the item holds none, so the page is mostly empty.
func (s *Store) ScanVisitorTokens(ctx context.Context, after string, limit int32) (actions.TokenPage, error) {
	var e dynamo.Expr
	filter := "attribute_exists(" + e.Name(useritem.AttrToken) + ") AND " + notTrue(&e, useritem.AttrBrand)
	out, err := s.scanPage(ctx, e.Scan(s.Name, filter, ""), after, limit, "visitor tokens")
	if err != nil {
		return actions.TokenPage{}, err
	}
	page := actions.TokenPage{Scanned: int(out.ScannedCount), Next: lastUID(out.LastEvaluatedKey)}
	for _, it := range out.Items {
		page.Users = append(page.Users, s.actionUser(it))
	}
	return page, nil
}

// RemoveCredentials removes every credential attribute of the user's item
// (userstore.CredentialAttrs), only while it holds the access token
// sealedToken (a sign-in since wrote new ones: they stay), is not the
// brand's, and, when finished is set, no action of the user's own token is
// pending or sending. False when that condition failed.
func (s *Store) RemoveCredentials(ctx context.Context, uid, sealedToken string, finished bool) (bool, error) {
	u := dynamo.NewUpdate()
	for _, a := range useritem.CredentialAttrs {
		u.Remove(a)
	}
	conds := []string{u.Name(useritem.AttrToken) + " = " + u.Value(dynamo.S(sealedToken)), notTrue(u, useritem.AttrBrand)}
	if finished {
		busy := u.Value(dynamo.S(string(useritem.StatePending))) + ", " + u.Value(dynamo.S(string(useritem.StateSending)))
		for _, a := range ownWork {
			state := u.Name(a.Attr(), useritem.MemberState)
			conds = append(conds, "(attribute_not_exists("+state+") OR NOT "+state+" IN ("+busy+"))")
		}
	}
	u.When(strings.Join(conds, " AND "))
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid)))
	return s.conditional(err, "remove credentials", uid)
}
