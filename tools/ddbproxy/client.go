package ddbproxy

import (
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/config"
)

// ForTest starts a proxy in front of endpoint for the length of the test and
// returns it with the DynamoDB client the functions build (config.AWS: their
// timeouts and retries), with test credentials, pointed at the proxy, so
// that faults meet the code as deployed.
func ForTest(t testing.TB, endpoint string) (*Proxy, *dynamodb.Client) {
	t.Helper()
	p, err := New(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
	awsCfg, err := config.AWS(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return p, dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}
