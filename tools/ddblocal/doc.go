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
//   - LoadLocalStage: the local stage's environment, overlaid with
//     .env.local, as tools/dev and tws campaign run the functions with it.
//
// It reads serverless.yml through slsyml, which resolves the framework's
// variables; nothing it reads depends on AWS.
package ddblocal
