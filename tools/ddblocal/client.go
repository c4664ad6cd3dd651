package ddblocal

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Region is the region of the clients made here. DynamoDB Local runs with
// -sharedDb, so the region (like the credentials) does not select the data.
const Region = "us-east-1"

// Client returns a DynamoDB client for the emulator at endpoint, with static
// dummy credentials, region us-east-1 and quick retries (a local call that
// fails three times in a few hundred milliseconds is not going to succeed).
// It reads no AWS environment or profile, so a developer's real credentials
// never reach the emulator and the emulator is never mistaken for AWS.
// ctx is not used yet: building the client does no I/O.
func Client(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ddblocal: endpoint %q is not an http(s) URL", endpoint)
	}
	return dynamodb.New(dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("ddblocal", "ddblocal", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = 200 * time.Millisecond
			o.RateLimiter = ratelimit.None
		}),
	}), nil
}
