package actionstore_test

import (
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/storetest"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// TestTheContractOnDynamoDB runs the users table's contract against
// DynamoDB Local: the truth shared/memstore is held to (it runs the same
// suite).
func TestTheContractOnDynamoDB(t *testing.T) {
	teststack.SkipWithoutDynamoDB(t) // one skip, not one per case
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, _ := newStore(t)
		return s
	})
}
