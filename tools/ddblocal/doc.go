// Package ddblocal runs DynamoDB Local (the Java emulator shipped by the npm
// package amplify-dynamodb-simulator) and creates in it the tables that
// serverless.yml declares, so that local runs and tests use the same table
// definitions as the deployed stack.
//
// It is local tooling: no Lambda imports it.
//
//   - Start / Server: one emulator process, in memory or on disk, stopped
//     without leaving a JVM behind (see Start).
//   - Client: an SDK v2 client for an emulator endpoint.
//   - Definitions, Tables, CreateTables: serverless.yml's
//     AWS::DynamoDB::Table resources for a stage, and their creation.
//   - ForTest: the harness that other packages' tests call.
//
// Its reader of serverless.yml (serverless.go) is the one Go reader of that
// file: the local tools read what they need of it through Decode (devserver
// the HTTP API's CORS and throttling and the reserved concurrencies,
// streamrelay the stream event and its filter patterns) and Environment
// (provider.environment). LoadLocalStage is the local stage's environment,
// overlaid with .env.local, as tools/dev and tws campaign run the
// functions with it; RepoRoot finds the repository.
//
// What it reads may use the framework variables ${sls:stage},
// ${self:path} and ${param:name} (params.<stage>, then params.default);
// any other variable there is an error, so nothing read depends on AWS.
package ddblocal
