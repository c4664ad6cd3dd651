package actions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/users"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Reasons recorded on actions (besides xapi's x_* reasons).
const (
	ReasonRevoked          = "revoked"               // the user's token answered 401
	ReasonNoCredentials    = "no_credentials"        // the item holds no usable token
	ReasonUnsubscribed     = "unsubscribed"          // no DM to a user who opted out
	ReasonRefusesDMs       = "recipient_refuses_dms" // X's 403 on a DM
	ReasonFollowNotAllowed = "follow_not_permitted"  // X's 403 on a follow: the app's plan lacks it
	ReasonNotTheBrand      = "not_the_brand"         // a release on an item that is not FOLLOW_UID
	ReasonBrandSelf        = "brand_account"         // no welcome to the brand itself
	ReasonOptInWithdrawn   = "opt_in_withdrawn"      // the latest sign-in did not tick the post box
	ReasonStuck            = "stuck_sending"         // claimed, and no run recorded X's answer (found by the sweep)
)

// HandleStream handles a batch of the users table's stream. For each record
// it claims the user's pending actions, carries them out and records each
// outcome. A record whose user could not be read or claimed (DynamoDB
// failing), whose credentials (the user's or, for a welcome DM, the brand's)
// are stored but cannot be opened, or that there was no time left to start,
// is reported in BatchItemFailures so that Lambda delivers it again; nothing
// of it was claimed, so the retry is safe. Failures after the claim are
// recorded on the item, not retried.
func (h *Handler) HandleStream(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	h.init()
	log := logging.ForInvocation(ctx, h.Log)
	var resp events.DynamoDBEventResponse
	run := &streamRun{h: h, log: log}
	for _, rec := range ev.Records {
		seq := rec.Change.SequenceNumber
		if rec.EventName == string(events.DynamoDBOperationTypeRemove) {
			continue
		}
		uid, err := RecordUID(rec)
		if err != nil {
			log.Error().Err(err).Str("sequence", seq).Msg("stream record ignored")
			continue
		}
		if left := h.left(ctx); left < h.recordBudget() {
			log.Warn().Str("uid", uid).Dur("left", left).Msg("no time left to start on the record: reported for redelivery")
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
			continue
		}
		if err := run.user(ctx, uid); err != nil {
			log.Error().Err(err).Str("uid", uid).Msg("record not processed: reported for redelivery")
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
		}
	}
	return resp, nil
}

// RecordUID reads the user id from a stream record's keys. The record comes
// from outside the code (Lambda's JSON): a missing key or one of another type
// is an error, never a panic (events.DynamoDBAttributeValue.Number panics on
// a type mismatch).
func RecordUID(rec events.DynamoDBEventRecord) (string, error) {
	av, ok := rec.Change.Keys[users.AttrUID]
	if !ok || av.DataType() != events.DataTypeNumber {
		return "", errors.New("actions: stream record without a numeric uid key")
	}
	uid := av.Number()
	if _, err := xapi.ParseID(uid); err != nil {
		return "", fmt.Errorf("actions: stream record uid: %w", err)
	}
	return uid, nil
}

// streamRun is one invocation's state: the brand, read once when a DM needs it.
type streamRun struct {
	h     *Handler
	log   zerolog.Logger
	brand *users.ActionUser // nil until loaded
	// brandMissing: loaded, and not usable (never signed in, revoked, no tokens).
	brandMissing bool
	// brandErr: loaded, and its credentials do not open (errRetryRecord).
	brandErr error
}

// errRetryRecord marks failures before the claim: worth a redelivery.
var errRetryRecord = errors.New("actions: retry the record")

// user handles one user's pending actions. It returns an error only when the
// record is worth delivering again (nothing was claimed).
func (r *streamRun) user(ctx context.Context, uid string) error {
	h := r.h
	u, err := h.Users.GetActionUser(ctx, uid)
	switch {
	case errors.Is(err, users.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("%w: %w", errRetryRecord, err)
	}
	// Actions a dead run left in sending are marked unknown as the sweep
	// does; last, so that once the pending ones are claimed the marks'
	// images hold nothing pending for the stream filter.
	defer r.markStuck(ctx, h.stuck(u))
	pending := u.Pending()
	if len(pending) == 0 {
		return nil // a redelivery, or another run was first
	}
	for tries := 0; ; tries++ {
		if err := r.ready(ctx, u, pending); err != nil {
			return err
		}
		u, err = h.Users.ClaimPending(ctx, uid, pending, h.now())
		if err == nil {
			break
		}
		if !errors.Is(err, users.ErrConflict) || tries == 2 {
			if errors.Is(err, users.ErrConflict) {
				return nil // another run keeps taking them: it owns them
			}
			return fmt.Errorf("%w: %w", errRetryRecord, err)
		}
		// The item changed between the read and the claim: read it again.
		if u, err = h.Users.GetActionUser(ctx, uid); err != nil {
			return fmt.Errorf("%w: %w", errRetryRecord, err)
		}
		if pending = u.Pending(); len(pending) == 0 {
			return nil
		}
	}
	for _, a := range pending {
		out := r.do(ctx, &u, a)
		r.record(ctx, u.UID, a, out)
		if out.then != nil {
			out.then(ctx)
		}
	}
	return nil
}

// ready checks, before the claim, the credentials the pending actions will
// need. Credentials that are stored but do not open (a key this warm
// function does not know yet) may open on a later delivery: the record is
// handed back to Lambda rather than its actions given up (nothing is
// claimed yet; after Lambda's retries the record goes to the dead-letter
// queue).
func (r *streamRun) ready(ctx context.Context, u users.ActionUser, pending []signin.Action) error {
	for _, a := range pending {
		switch {
		case r.needsOwnToken(u, a) && u.CredentialsUnopenable():
			return fmt.Errorf("%w: the user's credentials cannot be opened: %w", errRetryRecord, u.CredentialsErr)
		case a == signin.ActionWelcome:
			if err := r.loadBrand(ctx); err != nil {
				return fmt.Errorf("%w: %w", errRetryRecord, err)
			}
		}
	}
	return nil
}

// needsOwnToken reports whether action a will call X with the user's token
// (a revoked user's actions are skipped without a call).
func (r *streamRun) needsOwnToken(u users.ActionUser, a signin.Action) bool {
	return !u.Revoked && ((a == signin.ActionFollow && r.h.FollowByAPI) || (a == signin.ActionTweet && u.Tweet))
}

// outcome is what happened to one action.
type outcome struct {
	state    users.State
	reason   string
	result   string
	status   int // X's HTTP status when it answered with an error
	attempts int
	err      error // for the log
	// then runs after the outcome is recorded.
	then func(ctx context.Context)
}

func skipped(reason string) outcome { return outcome{state: users.StateSkipped, reason: reason} }

// record writes an outcome and logs it: one line per action.
func (r *streamRun) record(ctx context.Context, uid string, a signin.Action, o outcome) {
	h := r.h
	rec := users.ActionRecord{State: o.state, Reason: o.reason, Result: o.result, Status: o.status, Attempts: o.attempts, UpdatedAt: h.now()}
	werr := h.Users.RecordOutcome(ctx, uid, a, rec)
	ev := r.log.Info()
	switch {
	case werr != nil:
		// The action stays sending: the sweep marks it unknown after
		// StaleSending; it is never sent again.
		ev = r.log.Error().AnErr("record_error", werr)
	case o.state == users.StateFailed || o.state == users.StateUnknown:
		ev = r.log.Warn()
	}
	if o.err != nil {
		ev = ev.AnErr("x_error", o.err)
	}
	if o.status != 0 {
		ev = ev.Int("x_status", o.status)
	}
	ev.Str("uid", uid).Str("action", string(a)).Str("state", string(o.state)).
		Str("reason", o.reason).Str("result", o.result).Int("x_calls", o.attempts).Msg("action outcome")
}

// do carries out one claimed action.
func (r *streamRun) do(ctx context.Context, u *users.ActionUser, a signin.Action) outcome {
	if u.Revoked && a != signin.ActionRelease {
		return skipped(ReasonRevoked)
	}
	switch a {
	case signin.ActionFollow:
		return r.follow(ctx, u)
	case signin.ActionWelcome:
		return r.welcome(ctx, u)
	case signin.ActionTweet:
		return r.tweet(ctx, u)
	case signin.ActionRelease:
		return r.release(ctx, u)
	}
	return skipped("unknown_action")
}

// userCall makes a call with the user's own token; a 401 marks the user
// revoked, which skips their remaining actions.
func (r *streamRun) userCall(ctx context.Context, u *users.ActionUser, endpoint string, fn func(ctx context.Context) (xapi.RateLimit, error)) (int, error, bool) {
	n, err := r.h.call(ctx, endpoint, u.UID, fn)
	var xe *xapi.Error
	if errors.As(err, &xe) && xe.Revoked() {
		r.markRevoked(ctx, u.UID)
		u.Revoked = true
		return n, err, true
	}
	return n, err, false
}

func (r *streamRun) markRevoked(ctx context.Context, uid string) {
	if err := r.h.Users.MarkRevoked(ctx, uid, r.h.now()); err != nil {
		r.log.Error().Err(err).Str("uid", uid).Msg("X says the token is revoked; marking the user failed")
		return
	}
	r.log.Info().Str("uid", uid).Msg("user revoked the app: marked, no further calls with their token")
}

// failure turns an error from X into an outcome: unknown when X may have
// acted (a 5xx, no answer), which is never tried again, failed otherwise.
func failure(n int, err error) outcome {
	if xapi.OutcomeUnknown(err) {
		return fromX(users.StateUnknown, reasonOf(err), n, err)
	}
	return fromX(users.StateFailed, reasonOf(err), n, err)
}

// fromX is an outcome decided by X's error, with X's HTTP status when it
// answered.
func fromX(state users.State, reason string, n int, err error) outcome {
	o := outcome{state: state, reason: reason, attempts: n, err: err}
	var xe *xapi.Error
	if errors.As(err, &xe) {
		o.status = xe.Status
	}
	return o
}

func (r *streamRun) follow(ctx context.Context, u *users.ActionUser) outcome {
	h := r.h
	if !h.FollowByAPI {
		return skipped("follow_mode_" + h.FollowMode)
	}
	if !u.HasCredentials() {
		return skipped(ReasonNoCredentials)
	}
	var res xapi.FollowResult
	n, err, revoked := r.userCall(ctx, u, xapi.StepFollow, func(ctx context.Context) (xapi.RateLimit, error) {
		var err error
		res, err = h.X.Follow(ctx, u.Credentials, u.UID, h.BrandUID)
		return res.Limit, err
	})
	var xe *xapi.Error
	switch {
	case err == nil:
		o := outcome{state: users.StateDone, attempts: n, result: "following"}
		if res.PendingFollow {
			o.result = "pending_follow"
		}
		return o
	case revoked:
		return fromX(users.StateFailed, ReasonRevoked, n, err)
	case errors.As(err, &xe) && xe.Status == http.StatusForbidden:
		// Following through the API left X's self-serve plans in 2026: a 403
		// here is the plan, not this user, and is not retried.
		reason := ReasonFollowNotAllowed
		if xe.Code == 453 {
			reason = xe.Reason()
		}
		return fromX(users.StateUnavailable, reason, n, err)
	}
	return failure(n, err)
}

func (r *streamRun) tweet(ctx context.Context, u *users.ActionUser) outcome {
	h := r.h
	switch {
	case !u.Tweet:
		// Requested by an earlier sign-in; the latest one did not tick the
		// box, and a post is only made for a sign-in that asked for it.
		return skipped(ReasonOptInWithdrawn)
	case !u.HasCredentials():
		return skipped(ReasonNoCredentials)
	}
	var res xapi.TweetResult
	n, err, revoked := r.userCall(ctx, u, xapi.StepTweet, func(ctx context.Context) (xapi.RateLimit, error) {
		var err error
		res, err = h.X.Tweet(ctx, u.Credentials, h.TweetText)
		return res.Limit, err
	})
	switch {
	case err == nil:
		return outcome{state: users.StateDone, attempts: n, result: res.ID}
	case revoked:
		return fromX(users.StateFailed, ReasonRevoked, n, err)
	}
	return failure(n, err)
}

// loadBrand reads the brand account into r once per invocation: r.brand, or
// brandMissing when it is not connected (never signed in, revoked, no tokens
// stored). Tokens stored that do not open are an error, remembered for the
// invocation: a rotated key this warm function does not know yet must not
// turn welcome DMs into waiting_brand.
func (r *streamRun) loadBrand(ctx context.Context) error {
	if r.brand != nil || r.brandMissing || r.brandErr != nil {
		return r.brandErr
	}
	b, err := r.h.Users.GetActionUser(ctx, r.h.BrandUID)
	switch {
	case errors.Is(err, users.ErrNotFound):
		r.brandMissing = true
	case err != nil:
		return err
	case b.Revoked:
		r.brandMissing = true
	case b.CredentialsUnopenable():
		r.brandErr = fmt.Errorf("the brand's credentials cannot be opened: %w", b.CredentialsErr)
	case !b.HasCredentials():
		r.brandMissing = true
	default:
		r.brand = &b
	}
	return r.brandErr
}

func (r *streamRun) welcome(ctx context.Context, u *users.ActionUser) outcome {
	h := r.h
	switch {
	case u.UID == h.BrandUID || u.Brand:
		return skipped(ReasonBrandSelf)
	case !u.Subscribed:
		return skipped(ReasonUnsubscribed)
	}
	brand := r.brand // loaded before the claim (ready)
	if brand == nil {
		return r.waitForBrand(ctx, u.UID)
	}
	text := h.WelcomeText
	if h.Links != nil {
		text = h.Links.Footer(text, u.UID)
	}
	var res xapi.DMResult
	n, err := h.call(ctx, xapi.StepDM, brand.UID, func(ctx context.Context) (xapi.RateLimit, error) {
		var err error
		res, err = h.X.SendDM(ctx, brand.Credentials, u.UID, text)
		return res.Limit, err
	})
	var xe *xapi.Error
	switch {
	case err == nil:
		return outcome{state: users.StateDone, attempts: n, result: res.EventID}
	case errors.As(err, &xe) && xe.Revoked():
		// The brand's token stopped working: every welcome waits for the
		// brand to sign in again, which releases them.
		r.markRevoked(ctx, brand.UID)
		r.brand, r.brandMissing = nil, true
		o := r.waitForBrand(ctx, u.UID)
		o.attempts, o.err = n, err
		return o
	case errors.As(err, &xe) && xe.Status == http.StatusForbidden:
		return fromX(users.StateFailed, ReasonRefusesDMs, n, err)
	}
	return failure(n, err)
}

// waitForBrand is the outcome of a welcome DM while the brand is not
// connected. The release that the brand's sign-in triggers may have scanned
// just before this outcome is written; so after writing it, the brand is read
// again, and if it has connected meanwhile the user is requeued at once.
func (r *streamRun) waitForBrand(ctx context.Context, uid string) outcome {
	o := outcome{state: users.StateWaitingBrand, reason: "brand_not_connected"}
	o.then = func(ctx context.Context) {
		b, err := r.h.Users.GetActionUser(ctx, r.h.BrandUID)
		if err != nil || b.Revoked || !b.HasCredentials() {
			return
		}
		if ok, err := r.h.Users.Requeue(ctx, uid, signin.ActionWelcome, users.StateWaitingBrand, r.h.now()); err == nil && ok {
			r.log.Info().Str("uid", uid).Msg("the brand connected meanwhile: welcome DM requeued")
		}
	}
	return o
}

// release requeues every welcome DM that waited for the brand: setting them
// back to pending makes the stream deliver those users again.
func (r *streamRun) release(ctx context.Context, u *users.ActionUser) outcome {
	h := r.h
	if u.UID != h.BrandUID {
		return skipped(ReasonNotTheBrand)
	}
	released, after := 0, ""
	for {
		uids, next, err := h.Users.WaitingForBrand(ctx, after, h.pageSize())
		if err != nil {
			return outcome{state: users.StateFailed, reason: "store_unavailable", result: "released " + strconv.Itoa(released), err: err}
		}
		for _, uid := range uids {
			ok, err := h.Users.Requeue(ctx, uid, signin.ActionWelcome, users.StateWaitingBrand, h.now())
			if err != nil {
				return outcome{state: users.StateFailed, reason: "store_unavailable", result: "released " + strconv.Itoa(released), err: err}
			}
			if ok {
				released++
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	return outcome{state: users.StateDone, result: "released " + strconv.Itoa(released)}
}
