// Package dynamo holds the small pieces every DynamoDB store of this service
// shares: the client interface the stores call, typed attribute values built
// and read without reflection (so that X ids stay exact decimal strings on
// their way to and from N attributes and never pass through a float64), and
// the one expression builder (Expr, Update): placeholders for every name and
// value, nested map members such as a_follow.state included.
package dynamo
