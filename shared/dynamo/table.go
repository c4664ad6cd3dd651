package dynamo

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
)

// Table is what a store holds: the client, the name of its table, and the
// sealer of the values it keeps sealed at rest (nil for a store that seals
// nothing). The store makes the calls itself: which package calls the
// client decides the table in the IAM check (deploy/).
type Table struct {
	DB     Client
	Name   string
	Sealer seal.Box
}

// ConditionFailed reports a write refused by its ConditionExpression, with
// the item as it was when the request asked for it
// (ReturnValuesOnConditionCheckFailure).
func ConditionFailed(err error) (Item, bool) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ccf.Item, true
	}
	return nil, false
}
