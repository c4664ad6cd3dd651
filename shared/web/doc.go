// Package web is the HTTP side of the service: it turns API Gateway HTTP API
// (payload format 2.0) events into calls of the sign-in use case and its
// outcomes into redirects, JSON or 4xx answers (Handlers), and serves the
// unsubscribe page at the foot of every DM (UnsubscribePage, beside the
// callback in twitter_callback: CallbackRoutes). The Lambda functions and
// the local dev server serve these same handlers: they live here rather
// than in the functions' main packages, which Go cannot import.
//
// Every failure ends in a clear answer: a malformed request gets a 4xx with a
// message and a reason (reasons.go); a sign-in that cannot go on redirects
// the browser to the site with result=fail and a reason. Nothing here
// answers 5xx, and no answer or log line carries a token, secret or key.
package web
