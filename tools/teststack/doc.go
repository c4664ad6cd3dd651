// Package teststack is the one test harness of the functions' integration
// tests (integration/signin's sign-in tests, integration/actions' actions
// and campaign tests, integration/tokens, and the stores' tests): a test's
// own tables of serverless.yml in DynamoDB Local, the X sandbox served over
// HTTP, the functions' environment and configuration, keys from crypto/rand, the
// app.Deps a Lambda builds its handlers from, a buffer of their logs, a
// clock the test moves, optionally a counting, fault-injecting proxy in
// front of DynamoDB, and the users table's stream relayed to a handler with
// serverless.yml's filter.
//
//   - NewTables: fresh tables under a random stage. Without DynamoDB Local
//     the test is skipped with the reason, unless CI=true or
//     AWS_ENDPOINT_URL_DYNAMODB is set: then it fails (see NewTables).
//   - NewSandbox: the X sandbox, registered with ConsumerKey,
//     ConsumerSecret, the OAuth 2.0 client ClientID and ClientSecret, and
//     CallbackURL.
//   - New: the whole stack (tables, sandbox, environment, Deps), with the
//     options WithEnv, WithUsers, ViaProxy, WithInvocationTimeout.
//   - NewKey, NewKeyBase64, LambdaContext, Clock: the small pieces.
//
// What each package's tests do with the stack (start a sign-in, store a
// user, drain the stream) stays in that package's stack_test.go.
//
// It is local tooling: only tests import it.
package teststack
