// Package signin is the sign-in use case at the centre of the service: start
// a sign-in (ask the protocol for an authorize URL, keep its state in a
// one-use session bound to the browser), and finish it (consume the session
// once, exchange the callback for the user's identity and credentials, store
// the user with the actions to run for them).
//
// domain.go declares the types and the small interfaces it needs (Protocol,
// SessionStore, UserStore); it knows nothing of DynamoDB, X's wire format or
// Lambda events. reasons.go lists the reasons a failed sign-in's redirect
// carries, and errors.go is the one place where an error becomes one
// (ReasonOf).
package signin
