// Package xapi holds what this service knows about X's API on the wire:
// how X reports errors (v1 {"errors":[{"code"}]} bodies, XML from older
// endpoints, v2 problem documents), what each error means for a visitor and
// for the operator, the rate-limit headers, the retry policy for 429 and 5xx
// answers (and for writes, whose 5xx or missing answer leaves X's outcome
// unknown and is never repeated), X ids, and the v2 client used by the
// actions function.
package xapi
