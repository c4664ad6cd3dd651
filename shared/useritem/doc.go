// Package useritem owns the vocabulary of a user item of <stage>_twitter:
// the actions the functions carry out for a user, the order they run in,
// the states of an action's record, and every attribute and member name.
// The sign-in, both stores, the actions and campaigns, the metrics, the
// operator commands and the tests import it; nothing restates it.
//
// The stream filter of serverless.yml names the a_* attributes and their
// "pending" state in its own syntax: deploy/ tests compare it with Order
// and StatePending.
package useritem
