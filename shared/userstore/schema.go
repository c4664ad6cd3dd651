package userstore

// Attribute names of a user item. The stream filter in serverless.yml and the
// actions function rely on the a_* names and their "state" member.
const (
	AttrUID        = "uid"
	AttrScreenName = "screen_name"
	AttrToken      = "token"
	AttrSecret     = "secret" // OAuth 1.0a token secret (sealed)
	// AttrKind says which protocol the credentials belong to: "oauth1" or
	// "oauth2" (signin.Kind); an item without it holds OAuth 1.0a ones.
	AttrKind = "cred"
	// AttrRefresh is the OAuth 2.0 refresh token (sealed, RefreshContext),
	// AttrTokenExpiresAt when the OAuth 2.0 access token expires.
	AttrRefresh        = "refresh"
	AttrTokenExpiresAt = "token_expires_at"
	// AttrCredentialsAt is when the credentials were stored: a visitor's
	// are removed (and revoked at X) once their work is finished, and by
	// the sweep a day after this at the latest. Items stored before it
	// existed lack it, and count as older than a day.
	AttrCredentialsAt = "cred_at"
	// AttrRefreshLease is held (a map: owner, until) by the one invocation
	// refreshing the user's OAuth 2.0 token; see the tokens package.
	AttrRefreshLease = "refresh_lease"
	// Members of the refresh lease: the invocation holding it (S) and when
	// it ends (S, a time).
	MemberLeaseOwner = "owner"
	MemberLeaseUntil = "until"
	// AttrReconnect: the user's OAuth 2.0 grant is lost (a refresh whose
	// answer never came, or one X refused); nothing is sent with their
	// credentials until they sign in again, which clears it.
	AttrReconnect       = "reconnect"
	AttrReconnectAt     = "reconnect_at"
	AttrFollow          = "follow"
	AttrTweet           = "tweet"
	AttrAttribution     = "attribution"      // utm_* of the first sign-up
	AttrLastAttribution = "last_attribution" // utm_* of the latest sign-in
	AttrCreatedAt       = "created_at"
	AttrLastLoginAt     = "last_login_at"
	AttrLogins          = "logins"
	AttrSubscribed      = "subscribed" // promotional DMs wanted
	AttrUnsubscribedAt  = "unsubscribed_at"
	AttrRevoked         = "revoked" // the user revoked the app: tokens no longer work
	AttrRevokedAt       = "revoked_at"
	AttrBrand           = "brand" // this is the brand account (FOLLOW_UID)
	// AttrCampaignsSent is a string set of the campaign ids a user was marked
	// for. The mark is written BEFORE the DM is sent (at-most-once): a user
	// in it never gets that campaign again, even if the run died before X
	// answered.
	AttrCampaignsSent = "campaigns_sent"
)

// CredentialAttrs are every attribute that holds or describes a user's
// credentials: what a visitor's item loses once their work is done.
var CredentialAttrs = []string{
	AttrToken, AttrSecret, AttrKind, AttrRefresh, AttrTokenExpiresAt, AttrCredentialsAt,
	AttrRefreshLease, AttrReconnect, AttrReconnectAt,
}

// ActionAttr is the attribute holding an action's record, such as a_follow.
func ActionAttr(action string) string { return "a_" + action }

// StatePending is the state (actions.StatePending) in which a sign-in
// requests an action; the stream filter of serverless.yml passes the records
// of items that hold one.
const StatePending = "pending"

// Members of an action record (actions.Record).
const (
	MemberState       = "state" // an actions.State
	MemberReason      = "reason"
	MemberRequestedAt = "requested_at"
	MemberClaimedAt   = "claimed_at" // when a run moved the action to sending
	MemberUpdatedAt   = "updated_at"
	MemberAttempts    = "attempts" // requests that reached X
	MemberResult      = "result"   // what X returned: the DM event or post id, "pending_follow"
	MemberStatus      = "status"   // X's HTTP status when it answered with an error (502 for an unknown outcome)
)
