// Package xapi holds what this service knows about X's API on the wire: how
// X reports errors (v1 {"errors":[{"code"}]} bodies, XML from older
// endpoints, v2 problem documents) and what each means for a visitor and for
// the operator (reasons.go, OperatorHint), the rate-limit headers and the
// Gate that remembers exhausted windows, the one retry policy for every call
// to X (Retry; a write whose 5xx or missing answer leaves X's outcome
// unknown is never repeated: Retry.Write), and the v2 client the actions and
// campaigns call (follow, DM, post). X ids are shared/xid.
package xapi
