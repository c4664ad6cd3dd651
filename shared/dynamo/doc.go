// Package dynamo holds the small pieces every DynamoDB store of this service
// shares: building and reading typed attribute values without reflection, so
// that X ids stay exact decimal strings on their way to and from N
// attributes and never pass through a float64.
package dynamo
