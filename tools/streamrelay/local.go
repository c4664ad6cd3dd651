package streamrelay

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
)

// LocalClient returns a DynamoDB Streams client for the DynamoDB Local at
// endpoint, with dummy static credentials (never a developer's real ones).
func LocalClient(endpoint string) (*dynamodbstreams.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("streamrelay: endpoint %q is not an http(s) URL", endpoint)
	}
	return dynamodbstreams.New(dynamodbstreams.Options{
		Region:       ddblocal.Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("ddblocal", "ddblocal", ""),
	}), nil
}

// LocalOptions configure NewLocal.
type LocalOptions struct {
	RepoRoot string  // where serverless.yml is
	Endpoint string  // DynamoDB Local, e.g. http://127.0.0.1:8000
	Table    string  // e.g. local_twitter
	Handler  Handler // lambda.NewHandler(deps.Actions().Handle)
	Logf     func(format string, args ...any)
	// For tests: StartingPosition and RetryDelay as in Options, and Timeout
	// in place of the function's timeout when set.
	StartingPosition    string
	RetryDelay, Timeout time.Duration
}

// NewLocal is the relay `make dev` runs: twitter_actions's stream event from
// serverless.yml (filter, batch size, retries, timeout, LATEST) on the
// DynamoDB Local at Endpoint. Call Run to relay until the context ends.
func NewLocal(ctx context.Context, o LocalOptions) (*Relay, error) {
	cfg, err := LoadStreamConfig(o.RepoRoot, "twitter_actions")
	if err != nil {
		return nil, err
	}
	if o.Timeout > 0 {
		cfg.Timeout = o.Timeout
	}
	streams, err := LocalClient(o.Endpoint)
	if err != nil {
		return nil, err
	}
	tables, err := ddblocal.Client(ctx, o.Endpoint)
	if err != nil {
		return nil, err
	}
	return New(ctx, Options{Streams: streams, Tables: tables, Table: o.Table, Handler: o.Handler, Config: cfg,
		StartingPosition: o.StartingPosition, RetryDelay: o.RetryDelay, Logf: o.Logf})
}
