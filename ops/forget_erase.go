package ops

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
)

// grantAttrs are the attributes that hold a person's credentials, sealed:
// a sign-in or a refresh rewrites at least one of them (and sealing is
// randomized, so new values never equal old ones).
var grantAttrs = []string{useritem.AttrToken, useritem.AttrSecret, useritem.AttrRefresh}

// read is the item of uid as it is now (a consistent read), nil when there
// is none.
func (f *Forget) read(ctx context.Context, uid string) (dynamo.Item, error) {
	t := f.Target
	out, err := t.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.UsersTable), Key: userstore.Key(uid), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, t.explain(t.UsersTable, err)
	}
	return out.Item, nil
}

// erase deletes the item of uid only while it still holds the credentials
// of it (the item as read and revoked) and no refresh lease is held. When
// either changed, it reads the item again: next is that item, nil when the
// item is gone.
func (f *Forget) erase(ctx context.Context, uid string, it dynamo.Item) (deleted bool, next dynamo.Item, err error) {
	t := f.Target
	var e dynamo.Expr
	cond := sameGrant(&e, it) + " AND attribute_not_exists(" + e.Name(useritem.AttrRefreshLease) + ")"
	_, err = t.DB.DeleteItem(ctx, e.Delete(t.UsersTable, userstore.Key(uid), cond))
	if err == nil {
		return true, nil, nil
	}
	if _, changed := dynamo.ConditionFailed(err); !changed {
		return false, nil, t.explain(t.UsersTable, err)
	}
	next, err = f.read(ctx, uid)
	return false, next, err
}

// sameGrant is the condition that the item exists and its credential
// attributes are those of it: each equal to its value there, or absent as
// it is there (pairIs in shared/actionstore does the same for a refresh).
func sameGrant(e *dynamo.Expr, it dynamo.Item) string {
	conds := []string{"attribute_exists(" + e.Name(useritem.AttrUID) + ")"}
	for _, attr := range grantAttrs {
		v, ok := it[attr]
		if !ok {
			conds = append(conds, "attribute_not_exists("+e.Name(attr)+")")
			continue
		}
		conds = append(conds, e.Name(attr)+" = "+e.Value(v))
	}
	return strings.Join(conds, " AND ")
}

// sameCredentials reports whether a and b hold the same credentials (each
// sealed attribute equal, or absent in both).
func sameCredentials(a, b dynamo.Item) bool {
	for _, attr := range grantAttrs {
		va, okA := dynamo.GetS(a, attr)
		vb, okB := dynamo.GetS(b, attr)
		if okA != okB || va != vb {
			return false
		}
	}
	return true
}
