// Package signin is the sign-in use case at the centre of the service: start
// a sign-in (ask the protocol for an authorize URL, keep its state in a
// one-use session bound to the browser), and finish it (consume the session
// once, exchange the callback for the user's identity and credentials, store
// the user with the actions to run for them).
//
// It declares the small interfaces it needs (Protocol, SessionStore,
// UserStore) and knows nothing of DynamoDB, X's wire format or Lambda events.
// The sentinel errors and Reason are the one place where a failure becomes
// the short reason a visitor's redirect carries.
package signin
