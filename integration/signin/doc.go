// Package signin is the integration suite of the sign-in functions
// (generate_session and twitter_callback) as their Lambdas build them
// (shared/app), on their own tables in DynamoDB Local and the X sandbox
// over HTTP: both protocols end to end, bad requests and X's and
// DynamoDB's faults, the edge, the rotation of keys, the load test and the
// round trips a sign-in makes. It needs DynamoDB Local (see package
// integration); it has only tests.
package signin
