// Package tokens is the use case that keeps a user's OAuth 2.0 access token
// usable on the action side (the stream path, campaigns): an access token
// lives two hours and is renewed with a single-use refresh token, which X
// revokes together with its whole family when it is presented twice. A
// refresh is therefore made at most once per token, by one invocation at a
// time, and never repeated when its answer may have been lost.
//
// Service.Fresh refreshes a token only when it expires within Early (never
// on a schedule); Service.Renew refreshes one X answered 401 to. Both follow
// one protocol on the user item (the Store, shared/actionstore):
//
//  1. Lease: a conditional write takes the refresh lease (owner, until),
//     only while the stored pair is the one read and no lease is held. The
//     others poll the item for a short, bounded time (Wait) and take the new
//     token, or give up with ErrBusy for their caller to retry later.
//  2. One request to X's token endpoint, ending WriteTimeout before the
//     lease does (what is left of it after the lease's write), so that the
//     save lands inside the lease.
//  3. The new pair is saved, conditional on the pair it replaces and on the
//     lease still being ours and live, BEFORE the new access token is used.
//  4. Lost: when the answer may have been lost (a 5xx, a timeout, a dropped
//     connection, an answer that does not parse), the save failed, X refused
//     the grant (invalid_grant), or a lease is found expired with the pair
//     and the lease unchanged (its holder died mid-refresh), the refresh
//     token may be spent: it is never presented again. The user is marked
//     reconnect (ErrReconnect), which only their next sign-in clears. X
//     refusing the grant after it answered 401 to the token (Renew) means
//     the user revoked the app: ErrRevoked, for the caller to mark them
//     revoked too.
//  5. Not consumed: a 401 (X refused our app's client credentials) or a 429
//     is answered before X looks at the token. The lease is released; a 429
//     is waited for under the retry policy and tried again, then returned.
//
// It knows nothing of DynamoDB or HTTP: Store and X are declared here and
// implemented by shared/actionstore and shared/xoauth2.
package tokens
