package ddblocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// RandomStage returns a fresh stage name for one test ("t" and 12 hex
// digits), so that tests running in parallel get tables of their own.
func RandomStage() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "t" + hex.EncodeToString(b[:])
}

// shared is the emulator of this test binary, started by the first ForTest
// that needs it. It is never stopped explicitly: its watchdog stops it when
// the test binary exits, however it exits (see Start). Keeping the *Server in
// a package variable keeps the watchdog's pipe open until then.
var shared struct {
	once   sync.Once
	server *Server
	err    error
}

// ForTest gives a test the tables of serverless.yml for stage, freshly
// created, and a client for them; a cleanup deletes the tables.
//
// The emulator is the one at AWS_ENDPOINT_URL_DYNAMODB when that is set
// (one for all packages: `go run ./tools/ddblocal/cmd/ddblocal -port 0
// -stage "" -- go test ./...`), otherwise one DynamoDB Local per test
// binary, started on first use, in memory, on a free port, and stopped by
// its watchdog when the test binary exits (see Start).
//
// stage names the tables (<stage>_session, ...). Use a stage per test, e.g.
// RandomStage(); the stages that serverless.yml configures (local, staging,
// production) are refused, since the cleanup deletes the tables.
func ForTest(t testing.TB, stage string) (endpoint string, client *dynamodb.Client) {
	t.Helper()
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	f, err := slsyml.Read(root, stage)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(f.Stages(), stage) {
		t.Fatalf("ddblocal: stage %q is configured in serverless.yml; tests need a throwaway stage such as ddblocal.RandomStage()", stage)
	}
	defs, err := tables(f)
	if err != nil {
		t.Fatal(err)
	}

	endpoint = os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")
	if endpoint == "" {
		shared.once.Do(func() {
			shared.server, shared.err = Start(context.Background(), Options{Dir: root})
		})
		if shared.err != nil {
			t.Fatal(shared.err)
		}
		endpoint = shared.server.Endpoint()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if client, err = Client(ctx, endpoint); err != nil {
		t.Fatal(err)
	}
	// Registered first, so that a half-done creation is cleaned up too.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := deleteTables(ctx, client, defs); err != nil {
			t.Error(err)
		}
	})
	if err := createTables(ctx, client, defs); err != nil {
		t.Fatal(err)
	}
	return endpoint, client
}
