package actions

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Record is what is kept of one action (an a_* map of the user item).
type Record struct {
	State       useritem.State
	Reason      Reason
	Result      string // what X returned: the DM event or post id, "pending_follow"
	Status      int    // X's HTTP status when it answered with an error; 0 otherwise
	Attempts    int
	RequestedAt time.Time
	ClaimedAt   time.Time // when a run moved it to sending
	UpdatedAt   time.Time
}

// User is a user as the actions see them.
type User struct {
	UID        string // exact decimal X id
	ScreenName string
	// Credentials are the user's opened access token and secret; empty when
	// CredentialsErr says why they could not be opened (or there are none;
	// CredentialsUnopenable tells the two apart).
	Credentials    signin.Credentials
	CredentialsErr error
	// SealedToken is the access token as stored (sealed; "" when none):
	// the removal of a visitor's credentials is conditional on it, so that
	// a sign-in meanwhile keeps its new tokens.
	SealedToken string
	// CredentialsAt is when the credentials were stored (zero for items
	// written before it was kept: older than any limit).
	CredentialsAt time.Time
	Follow        bool
	Tweet         bool // the latest sign-in ticked the opt-in post
	Subscribed    bool
	Revoked       bool
	// Reconnect: the user's OAuth 2.0 grant is lost (a refresh whose answer
	// never came, or one X refused); nothing is sent with their credentials
	// until they sign in again.
	Reconnect bool
	Brand     bool
	Actions   map[useritem.Action]Record
}

// Pending lists the user's actions waiting to run, in Order.
func (u User) Pending() []useritem.Action { return u.inState(useritem.StatePending) }

// Sending lists the actions claimed by a run that never recorded an outcome.
func (u User) Sending() []useritem.Action { return u.inState(useritem.StateSending) }

func (u User) inState(s useritem.State) []useritem.Action {
	var out []useritem.Action
	for _, a := range useritem.Order {
		if r, ok := u.Actions[a]; ok && r.State == s {
			out = append(out, a)
		}
	}
	return out
}

// ownWork are the actions made with the user's own token.
var ownWork = []useritem.Action{useritem.ActionFollow, useritem.ActionTweet}

// OwnWorkFinished reports that no action made with the user's own token is
// waiting to run or running (none requested, or each done, skipped, failed,
// unavailable or unknown): their token has nothing left to do.
func (u User) OwnWorkFinished() bool {
	for _, a := range ownWork {
		if r, ok := u.Actions[a]; ok && (r.State == useritem.StatePending || r.State == useritem.StateSending) {
			return false
		}
	}
	return true
}

// HasCredentials reports whether calls can be made on the user's behalf.
func (u User) HasCredentials() bool {
	return u.CredentialsErr == nil && u.Credentials.Complete()
}

// CredentialsUnopenable reports credentials that are stored but cannot be
// opened: sealed with a key the sealer does not know (a rotation not yet
// seen by a warm function) or damaged. Unlike an item without credentials,
// this may heal, so work that needs them is retried, not given up.
func (u User) CredentialsUnopenable() bool {
	return errors.Is(u.CredentialsErr, ErrCredentialsUnopenable)
}

// Sending is an action a run claimed and has not recorded an outcome for
// (yet, or ever: the run died between X's answer and the record).
type Sending struct {
	UID       string
	Action    useritem.Action
	ClaimedAt time.Time
}

// SendingPage is one page of a scan for actions in sending.
type SendingPage struct {
	Actions []Sending
	Scanned int    // items the page read, matching or not: what the scan costs
	Next    string // the uid to continue after; "" when the scan is over
}

// TokenPage is one page of a scan for visitors holding credentials.
type TokenPage struct {
	Users   []User // opened as GetActionUser does
	Scanned int
	Next    string // "" when the scan is over
}

// Errors the stores return (wrapped) and the use cases act on.
var (
	ErrNotFound = errors.New("actions: no such user")
	// ErrConflict: the item was not in the state the write expected (another
	// run claimed the action first, or it changed since it was read).
	ErrConflict = errors.New("actions: the action is not in the expected state")
	// ErrStoreUnavailable: DynamoDB failed; worth a retry later.
	ErrStoreUnavailable = errors.New("actions: users table unavailable")
)

// Why a User has no Credentials (its CredentialsErr).
var (
	// ErrNoCredentials: the item holds no token (never signed in, or wiped).
	ErrNoCredentials = errors.New("actions: no credentials stored")
	// ErrCredentialsUnopenable: the item holds a token that does not open.
	ErrCredentialsUnopenable = errors.New("actions: the stored credentials cannot be opened")
)

// The interfaces the use cases need of the users table, each as small as
// one use case's need (shared/userstore implements them all).
type (
	// UserReader reads a user, consistently, with the credentials opened.
	UserReader interface {
		GetActionUser(ctx context.Context, uid string) (User, error)
	}
	// Claimer claims a user's pending actions in one conditional write
	// (ErrConflict when one of them is no longer pending) and records each
	// outcome while the action is still sending.
	Claimer interface {
		ClaimPending(ctx context.Context, uid string, acts []useritem.Action, now time.Time) (User, error)
		RecordOutcome(ctx context.Context, uid string, act useritem.Action, r Record) error
	}
	// Revoker marks a user whose token X refused (401).
	Revoker interface {
		MarkRevoked(ctx context.Context, uid string, now time.Time) error
	}
	// Requeuer finds the welcome DMs waiting for the brand and sets one back
	// to pending (false when it was not in state from any more).
	Requeuer interface {
		WaitingForBrand(ctx context.Context, after string, limit int32) (uids []string, next string, err error)
		Requeue(ctx context.Context, uid string, act useritem.Action, from useritem.State, now time.Time) (bool, error)
	}
	// CredentialRemover finds the visitors whose items hold credentials,
	// and removes every credential attribute of one (userstore
	// .CredentialAttrs), only while the item holds the access token
	// sealedToken, is not the brand's, and, when finished is set, has no
	// action of its own token pending or sending. False when that
	// condition failed.
	CredentialRemover interface {
		ScanVisitorTokens(ctx context.Context, after string, limit int32) (TokenPage, error)
		RemoveCredentials(ctx context.Context, uid, sealedToken string, finished bool) (bool, error)
	}
	// SendingMarker finds the actions in sending and marks one unknown, only
	// under the claim it read (false otherwise).
	SendingMarker interface {
		ScanSending(ctx context.Context, after string, limit int32) (SendingPage, error)
		MarkUnknown(ctx context.Context, a Sending, reason Reason, now time.Time) (bool, error)
	}
)

// Tokens keeps a user's OAuth 2.0 access token usable (shared/tokens):
// Fresh returns c, or the token refreshed when c expires within a minute;
// Renew refreshes the token X answered 401 to. Their errors:
// tokens.ErrReconnect (the grant is lost: the user is marked reconnect),
// tokens.ErrBusy (another invocation is refreshing it), X's 401 or 429 from
// the token endpoint (the token is not consumed), a store error.
type Tokens interface {
	Fresh(ctx context.Context, log zerolog.Logger, uid string, c signin.Credentials) (signin.Credentials, error)
	Renew(ctx context.Context, log zerolog.Logger, uid string, used signin.Credentials) (signin.Credentials, error)
}

// X is the part of X's API the actions call. Each method makes one request.
type X interface {
	Follow(ctx context.Context, c signin.Credentials, userID, targetID string) (xapi.FollowResult, error)
	SendDM(ctx context.Context, c signin.Credentials, recipientID, text string) (xapi.DMResult, error)
	Tweet(ctx context.Context, c signin.Credentials, text string) (xapi.TweetResult, error)
}

// Footer puts the unsubscribe line at the foot of a DM to uid
// (unsubscribe.Links).
type Footer interface {
	Footer(text, uid string) string
}

// TimeLeft is the time until ctx's deadline (a day when it has none).
// Deadlines are on the wall clock, whatever a use case's Now says.
func TimeLeft(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return 24 * time.Hour
	}
	return time.Until(dl)
}
