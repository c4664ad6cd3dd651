// Package integration holds the integration suites: the functions as their
// Lambdas build them (shared/app's builders), run against their own tables
// in DynamoDB Local and the X sandbox over HTTP (tools/teststack). They need
// DynamoDB Local, hence Java: `make test` runs them under tools/ddblocal, or
//
//	go run ./tools/ddblocal/cmd/ddblocal -port 0 -stage '' -- go test ./integration/...
//
// Without it each test skips with the reason (and fails under CI=true or
// when AWS_ENDPOINT_URL_DYNAMODB is set). The core's unit tests (shared/...,
// on shared/memstore and shared/fakex) need neither.
//
//   - integration/signin: generate_session and twitter_callback, under both
//     protocols, with their faults, the edge, key rotation and the load test.
//   - integration/actions: twitter_actions on the users table's stream and
//     its direct invocations: the actions, the campaigns, the refresh of
//     OAuth 2.0 tokens, the sweep, the metrics, DynamoDB's faults.
//   - integration/tokens: the refresh of OAuth 2.0 tokens (shared/tokens)
//     on DynamoDB Local and the sandbox's token endpoint.
//
// The browser and `serverless invoke local` suites are in e2e/.
package integration
