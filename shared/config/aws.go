package config

import (
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWS builds the SDK configuration once per cold start from the environment
// Lambda provides: AWS_REGION and the execution role's AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. It deliberately skips the
// SDK's config.LoadDefaultConfig, whose shared-file reading and SSO/STS
// credential chain cost about 4 ms of every cold start and are never used
// on Lambda (measured with make bench and GODEBUG=inittrace=1).
//
// Retries are few and quick and every attempt has a timeout: a sign-in has
// a person waiting, and DynamoDB answers in milliseconds or not at all.
func AWS(env Env) (aws.Config, error) {
	region := firstEnv(env, "AWS_REGION", "AWS_DEFAULT_REGION")
	key, secret := env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")
	var missing []string
	if region == "" {
		missing = append(missing, "AWS_REGION")
	}
	if key == "" || secret == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return aws.Config{}, errors.New("config: " + strings.Join(missing, ", ") + " not set (Lambda sets them; locally make dev does)")
	}
	return aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, env("AWS_SESSION_TOKEN"))),
		HTTPClient:  awshttp.NewBuildableClient().WithTimeout(1500 * time.Millisecond),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.MaxBackoff = 200 * time.Millisecond
			})
		},
	}, nil
}

// DynamoDBEndpoint is the SDK's own AWS_ENDPOINT_URL_DYNAMODB override (read
// here because LoadDefaultConfig is not used): DynamoDB Local in local runs
// and tests, "" on AWS.
func DynamoDBEndpoint(env Env) string { return env("AWS_ENDPOINT_URL_DYNAMODB") }

func firstEnv(env Env, names ...string) string {
	for _, n := range names {
		if v := env(n); v != "" {
			return v
		}
	}
	return ""
}
