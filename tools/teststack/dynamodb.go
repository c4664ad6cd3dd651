package teststack

import (
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// EndpointVar names the DynamoDB Local that every package's tests share
// (`make test` sets it: go run ./tools/ddblocal/cmd/ddblocal -- go test ...).
const EndpointVar = "AWS_ENDPOINT_URL_DYNAMODB"

// Tables are a test's own tables of serverless.yml, freshly created in
// DynamoDB Local and deleted when the test ends.
type Tables struct {
	Stage      string           // the random stage that names them
	TableNames                  // as serverless.yml names them for Stage
	Endpoint   string           // DynamoDB Local's URL
	DB         *dynamodb.Client // straight to DynamoDB Local, for the test's own reads and writes
}

// NewTables gives the test fresh tables under a random stage
// (ddblocal.ForTest: the DynamoDB Local at AWS_ENDPOINT_URL_DYNAMODB, or
// one per test binary started on first use).
//
// When DynamoDB Local cannot be had (no endpoint set, and no Java or no
// DynamoDB Local installed to start one), the test is skipped with the
// reason, so that `go test ./shared/...` runs the unit tests anywhere. When
// DynamoDB Local is required, a missing one fails the test instead: under
// CI (CI=true) and whenever AWS_ENDPOINT_URL_DYNAMODB is set (`make test`).
func NewTables(t testing.TB) Tables {
	t.Helper()
	SkipWithoutDynamoDB(t)
	stage := ddblocal.RandomStage()
	endpoint, db := ddblocal.ForTest(t, stage)
	return Tables{Stage: stage, TableNames: TableNamesOf(t, stage), Endpoint: endpoint, DB: db}
}

// TableNames are a stage's three tables.
type TableNames struct{ Session, Users, Campaigns string }

// TableNamesOf reads the tables' names that serverless.yml gives stage
// (its SESSION_TABLE, TWITTER_TABLE and CAMPAIGNS_TABLE), the names
// ddblocal creates them under: one read of the file per stage.
func TableNamesOf(t testing.TB, stage string) TableNames {
	t.Helper()
	if n, ok := tableNames.Load(stage); ok {
		return n.(TableNames)
	}
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	f, err := slsyml.Read(root, stage)
	if err != nil {
		t.Fatal(err)
	}
	var n TableNames
	for name, to := range map[string]*string{"SESSION_TABLE": &n.Session, "TWITTER_TABLE": &n.Users, "CAMPAIGNS_TABLE": &n.Campaigns} {
		if err := f.Decode("provider.environment."+name, to); err != nil {
			t.Fatalf("teststack: %s of stage %s: %v", name, stage, err)
		}
	}
	tableNames.Store(stage, n)
	return n
}

// tableNames are the stages' names read so far (NewTables and Environment
// ask for the same stage).
var tableNames sync.Map

// DynamoDBRequired reports whether a missing DynamoDB Local fails the tests
// rather than skipping them: under CI (CI=true, or any true value) and when
// AWS_ENDPOINT_URL_DYNAMODB is set.
func DynamoDBRequired() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci || os.Getenv(EndpointVar) != ""
}

// SkipWithoutDynamoDB skips the test when DynamoDB Local is not required
// (DynamoDBRequired) and cannot be started here.
func SkipWithoutDynamoDB(t testing.TB) {
	t.Helper()
	if DynamoDBRequired() {
		return
	}
	local.once.Do(func() { local.err = canStartDynamoDBLocal() })
	if local.err != nil {
		t.Skipf("teststack: skipped, it needs DynamoDB Local: %v. Run `make test`, or set %s to a running DynamoDB Local; with CI=true or %s set, this test fails instead",
			local.err, EndpointVar, EndpointVar)
	}
}

// local is whether this test binary could start DynamoDB Local, found once.
var local struct {
	once sync.Once
	err  error
}

// canStartDynamoDBLocal checks what ddblocal.Start needs before it starts
// anything.
func canStartDynamoDBLocal() error {
	root, err := slsyml.RepoRoot()
	if err != nil {
		return err
	}
	return ddblocal.Available(root)
}
