package config

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// AWS loads the SDK configuration once per cold start. The SDK reads
// AWS_ENDPOINT_URL_DYNAMODB itself, which points it at DynamoDB Local in
// local runs and tests. Retries are few and quick and every call has a
// timeout: a sign-in has a person waiting, and DynamoDB answers in
// milliseconds or not at all.
func AWS(ctx context.Context) (aws.Config, error) {
	return awsconfig.LoadDefaultConfig(ctx,
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.MaxBackoff = 200 * time.Millisecond
			})
		}),
		awsconfig.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(1500*time.Millisecond)),
	)
}
