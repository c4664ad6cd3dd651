package memstore_test

import (
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/memstore"
	"github.com/twitter-sessions/twitter-sessions/shared/storetest"
)

// TestTheContractInMemory runs the users table's contract, which
// shared/actionstore's tests run against DynamoDB Local, against the
// in-memory table.
func TestTheContractInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return memstore.NewUsers(nil) })
}
