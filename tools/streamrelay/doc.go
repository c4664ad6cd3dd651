// Package streamrelay gives local runs the DynamoDB stream trigger that
// Lambda gives the deployed twitter_actions function: it reads the stream of
// a DynamoDB Local table with the DynamoDB Streams API, turns each record
// into the events.DynamoDBEventRecord JSON that Lambda delivers, drops the
// records that the function's filterPatterns in serverless.yml reject (read
// from the file with slsyml.Decode, never restated), batches them by the
// event's batchSize, and invokes the handler as Lambda does: a JSON payload
// in, a JSON answer out, a deadline from the function's timeout, and partial
// batch failures (ReportBatchItemFailures) redelivered from the first failed
// record up to maximumRetryAttempts times.
//
// It is local tooling: `make dev` and the tests use it; no Lambda imports it.
//
// One file per job: relay.go sets a relay up and runs it (New, Run, Drain);
// shards.go follows the stream's shards and reads their records (Poll);
// event.go turns a stream record into the record Lambda delivers;
// filter.go applies the filter patterns; invoke.go invokes the handler batch
// by batch, with retries and partial batch failures; config.go reads the
// stream event of serverless.yml; local.go is the relay of `make dev` on
// DynamoDB Local (NewLocal).
//
// Differences from Lambda, on purpose: no bisecting of a failing batch, a
// batch that keeps failing is logged (where Lambda would send it to the
// on-failure destination) instead of being queued, and retries wait a
// second instead of none.
package streamrelay
