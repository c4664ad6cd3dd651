// Package sessionstore keeps started sign-ins in the <stage>_session DynamoDB
// table (key request_token, S), the request secret sealed at rest, with
// expires_at as the table's TTL attribute. Consume is one conditional
// DeleteItem, so a replayed or concurrent callback finds nothing, an expired
// session is refused even before DynamoDB's lazy TTL removes it, and a
// callback from another browser leaves the session in place for the right one.
// It implements signin.SessionStore.
package sessionstore
