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
// Table properties may use the framework variables ${sls:stage},
// ${self:path} and ${param:name} (params.<stage>, then params.default);
// any other variable there is an error, so the tables never depend on AWS.
package ddblocal
