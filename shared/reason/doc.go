// Package reason owns the one type every outcome reason has: Code, the short
// word a sign-in's redirect, a refused request's body, an action's record, a
// campaign's last_error, a log line and a metric's Reason dimension carry.
//
// It owns the type only, not the words. Each family keeps its constants in
// its own package (signin, xapi, web, actions, campaigns' stops), under a
// name that is an alias of Code, so a reason of one family passes to another
// or to the metrics without a conversion. A Code stays typed until it is
// written out: String at a log call, a URL value, a JSON body or a DynamoDB
// attribute.
package reason
