package useritem

// Action names the work the actions function does for a signed-in user.
type Action string

// The actions recorded on a user item when they are due.
const (
	ActionFollow  Action = "follow"  // follow the brand with the user's token
	ActionWelcome Action = "welcome" // the brand's welcome DM to the user
	ActionTweet   Action = "tweet"   // the opt-in tweet from the user's account
	// ActionRelease runs when the brand account itself signs in: welcome DMs
	// that were waiting for the brand's tokens are released.
	ActionRelease Action = "release"
)

// Attr is the attribute holding the action's record, such as a_follow.
func (a Action) Attr() string { return "a_" + string(a) }

// Order is the order the actions of one user run in: following the brand
// first makes the welcome DM more likely to be accepted.
var Order = []Action{ActionFollow, ActionWelcome, ActionTweet, ActionRelease}

// State is where an action stands: the state member of its a_* record.
type State string

// Action states. Only StatePending triggers the actions function (the stream
// filter of serverless.yml).
const (
	StatePending      State = "pending"       // requested, not yet attempted
	StateSending      State = "sending"       // claimed by a run; the X call may have happened
	StateDone         State = "done"          // X confirmed it
	StateFailed       State = "failed"        // X refused or kept failing; reason says why
	StateUnavailable  State = "unavailable"   // the app's plan does not allow it (follow 403)
	StateWaitingBrand State = "waiting_brand" // a DM waits for the brand account to connect
	StateSkipped      State = "skipped"       // no longer applies (unsubscribed, revoked)
	// StateUnknown: a write to X whose outcome is unknown (X answered 5xx,
	// gave no answer, or the run died before recording the answer and the
	// sweep found it in sending). X may or may not have acted; it is never
	// repeated.
	StateUnknown State = "unknown"
)

// Outcomes are the states a run records as an action's outcome: every
// state but pending and sending.
var Outcomes = []State{StateDone, StateFailed, StateUnknown, StateUnavailable, StateSkipped, StateWaitingBrand}

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

// Members of an action record (an a_* map; actions.Record).
const (
	MemberState       = "state" // a State
	MemberReason      = "reason"
	MemberRequestedAt = "requested_at"
	MemberClaimedAt   = "claimed_at" // when a run moved the action to sending
	MemberUpdatedAt   = "updated_at"
	MemberAttempts    = "attempts" // requests that reached X
	MemberResult      = "result"   // what X returned: the DM event or post id, "pending_follow"
	MemberStatus      = "status"   // X's HTTP status when it answered with an error (502 for an unknown outcome)
)
