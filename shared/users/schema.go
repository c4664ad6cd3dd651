package users

// Attribute names of a user item. The stream filter in serverless.yml and the
// actions function rely on the a_* names and their "state" member.
const (
	AttrUID             = "uid"
	AttrScreenName      = "screen_name"
	AttrToken           = "token"
	AttrSecret          = "secret"
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
	AttrBrand           = "brand"
)

// ActionAttr is the attribute holding an action's record, such as a_follow.
func ActionAttr(action string) string { return "a_" + action }

// State is where an action stands.
type State string

// Action states. Only StatePending triggers the actions function.
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

// Members of an action record.
const (
	MemberState       = "state"
	MemberReason      = "reason"
	MemberRequestedAt = "requested_at"
	MemberUpdatedAt   = "updated_at"
	MemberAttempts    = "attempts"
)
