package users

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Attributes and action-record members written by the actions function.
const (
	// AttrCampaignsSent is a string set of the campaign ids a user was marked
	// for. The mark is written BEFORE the DM is sent (at-most-once): a user
	// in it never gets that campaign again, even if the run died before X
	// answered.
	AttrCampaignsSent = "campaigns_sent"

	MemberClaimedAt = "claimed_at" // when a run moved the action to sending
	MemberResult    = "result"     // what X returned: the DM event or post id, "pending_follow"
	MemberStatus    = "status"     // X's HTTP status when it answered with an error (502 for an unknown outcome)
)

// Errors of the actions' store methods.
var (
	// ErrNotFound: no user item with that uid.
	ErrNotFound = errors.New("users: no such user")
	// ErrConflict: the item was not in the state the write expected (another
	// run claimed the action first, or it changed since it was read).
	ErrConflict = errors.New("users: the action is not in the expected state")
	// ErrUnavailable: DynamoDB failed; worth a retry later.
	ErrUnavailable = errors.New("users: store unavailable")
)

// ActionOrder is the order the actions of one user run in: following the
// brand first makes the welcome DM more likely to be accepted.
var ActionOrder = []signin.Action{signin.ActionFollow, signin.ActionWelcome, signin.ActionTweet, signin.ActionRelease}

// ActionRecord is one a_* map of a user item.
type ActionRecord struct {
	State       State
	Reason      string
	Result      string
	Status      int // X's HTTP status when it answered with an error; 0 otherwise
	Attempts    int
	RequestedAt time.Time
	ClaimedAt   time.Time
	UpdatedAt   time.Time
}

// ActionUser is a user item as the actions function needs it.
type ActionUser struct {
	UID        string // exact decimal X id
	ScreenName string
	// Credentials are the user's opened access token and secret; empty when
	// CredentialsErr says why they could not be opened (or there are none;
	// CredentialsUnopenable tells the two apart).
	Credentials    xapi.Credentials
	CredentialsErr error
	Follow         bool
	Tweet          bool
	Subscribed     bool
	Revoked        bool
	Brand          bool
	Actions        map[signin.Action]ActionRecord
}

// Pending lists the user's actions waiting to run, in ActionOrder.
func (u ActionUser) Pending() []signin.Action { return u.inState(StatePending) }

// Sending lists the actions claimed by a run that never recorded an outcome.
func (u ActionUser) Sending() []signin.Action { return u.inState(StateSending) }

func (u ActionUser) inState(s State) []signin.Action {
	var out []signin.Action
	for _, a := range ActionOrder {
		if r, ok := u.Actions[a]; ok && r.State == s {
			out = append(out, a)
		}
	}
	return out
}

// HasCredentials reports whether calls can be made on the user's behalf.
func (u ActionUser) HasCredentials() bool {
	return u.CredentialsErr == nil && u.Credentials.Token != "" && u.Credentials.Secret != ""
}

// CredentialsUnopenable reports credentials that are stored but cannot be
// opened: sealed with a key the sealer does not know (a rotation not yet
// seen by a warm function) or damaged. Unlike an item without credentials,
// this may heal, so work that needs them is retried, not given up.
func (u ActionUser) CredentialsUnopenable() bool {
	return errors.Is(u.CredentialsErr, errUnopenable)
}

var (
	// errNoCredentials says an item holds no token (never signed in, or wiped).
	errNoCredentials = errors.New("users: no credentials stored")
	// errUnopenable says the item holds a token that does not open.
	errUnopenable = errors.New("users: the stored credentials cannot be opened")
)

func (s *Store) key(uid string) dynamo.Item { return dynamo.Item{AttrUID: dynamo.N(uid)} }

func (s *Store) actionUser(item dynamo.Item) ActionUser {
	u := ActionUser{
		Follow:     dynamo.GetBool(item, AttrFollow),
		Tweet:      dynamo.GetBool(item, AttrTweet),
		Subscribed: dynamo.GetBool(item, AttrSubscribed),
		Revoked:    dynamo.GetBool(item, AttrRevoked),
		Brand:      dynamo.GetBool(item, AttrBrand),
		Actions:    map[signin.Action]ActionRecord{},
	}
	u.UID, _ = dynamo.GetN(item, AttrUID)
	u.ScreenName, _ = dynamo.GetS(item, AttrScreenName)
	for _, a := range ActionOrder {
		if m, ok := dynamo.GetM(item, ActionAttr(string(a))); ok {
			u.Actions[a] = readRecord(m)
		}
	}
	tok, okT := dynamo.GetS(item, AttrToken)
	sec, okS := dynamo.GetS(item, AttrSecret)
	if !okT || !okS || tok == "" || sec == "" {
		u.CredentialsErr = errNoCredentials
		return u
	}
	var err error
	if u.Credentials.Token, err = s.sealer.Open(tok, tokenContext(u.UID)); err == nil {
		u.Credentials.Secret, err = s.sealer.Open(sec, secretContext(u.UID))
	}
	if err != nil {
		u.Credentials = xapi.Credentials{}
		u.CredentialsErr = fmt.Errorf("%w: %w", errUnopenable, err)
	}
	return u
}

func readRecord(m dynamo.Item) ActionRecord {
	r := ActionRecord{
		RequestedAt: dynamo.GetTime(m, MemberRequestedAt),
		ClaimedAt:   dynamo.GetTime(m, MemberClaimedAt),
		UpdatedAt:   dynamo.GetTime(m, MemberUpdatedAt),
	}
	st, _ := dynamo.GetS(m, MemberState)
	r.State = State(st)
	r.Reason, _ = dynamo.GetS(m, MemberReason)
	r.Result, _ = dynamo.GetS(m, MemberResult)
	if n, ok := dynamo.GetInt(m, MemberAttempts); ok {
		r.Attempts = int(n)
	}
	if n, ok := dynamo.GetInt(m, MemberStatus); ok {
		r.Status = int(n)
	}
	return r
}

// GetActionUser reads a user (consistent read) with its credentials opened.
func (s *Store) GetActionUser(ctx context.Context, uid string) (ActionUser, error) {
	if _, err := xapi.ParseID(uid); err != nil {
		return ActionUser{}, fmt.Errorf("users: %w", err)
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: s.key(uid), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return ActionUser{}, fmt.Errorf("%w: get %s: %w", ErrUnavailable, uid, err)
	}
	if out.Item == nil {
		return ActionUser{}, ErrNotFound
	}
	return s.actionUser(out.Item), nil
}

// pathUpdate builds updates of nested map members (a_follow.state), which
// dynamo.Update's Set does not address: placeholders come from the Update,
// the SET clauses are assembled here.
type pathUpdate struct {
	u       *dynamo.Update
	sets    []string
	removes []string
}

func newPathUpdate() *pathUpdate { return &pathUpdate{u: dynamo.NewUpdate()} }

func (p *pathUpdate) path(attrs ...string) string {
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = p.u.Name(a)
	}
	return strings.Join(parts, ".")
}

func (p *pathUpdate) set(v types.AttributeValue, attrs ...string) {
	p.sets = append(p.sets, p.path(attrs...)+" = "+p.u.Value(v))
}

func (p *pathUpdate) remove(attrs ...string) { p.removes = append(p.removes, p.path(attrs...)) }

func (p *pathUpdate) input(table string, key dynamo.Item, cond string) *dynamodb.UpdateItemInput {
	in := p.u.When(cond).Input(table, key)
	expr := "SET " + strings.Join(p.sets, ", ")
	if len(p.removes) > 0 {
		expr += " REMOVE " + strings.Join(p.removes, ", ")
	}
	in.UpdateExpression = aws.String(expr)
	return in
}

// ClaimPending moves the given actions from pending to sending in one
// conditional write, so that a single run owns them, and returns the user as
// written. Because the written image holds no pending action, the stream
// filter drops the record of this write and of every later outcome write:
// the function is not invoked again by its own updates. ErrConflict when one
// of the actions is no longer pending.
func (s *Store) ClaimPending(ctx context.Context, uid string, acts []signin.Action, now time.Time) (ActionUser, error) {
	if len(acts) == 0 {
		return ActionUser{}, errors.New("users: nothing to claim")
	}
	p := newPathUpdate()
	conds := []string{"attribute_exists(" + p.path(AttrUID) + ")"}
	pending := p.u.Value(dynamo.S(string(StatePending)))
	for _, a := range acts {
		attr := ActionAttr(string(a))
		conds = append(conds, p.path(attr, MemberState)+" = "+pending)
		p.set(dynamo.S(string(StateSending)), attr, MemberState)
		p.set(dynamo.Time(now), attr, MemberClaimedAt)
		p.set(dynamo.Time(now), attr, MemberUpdatedAt)
	}
	in := p.input(s.table, s.key(uid), strings.Join(conds, " AND "))
	in.ReturnValues = types.ReturnValueAllNew
	out, err := s.db.UpdateItem(ctx, in)
	if err != nil {
		return ActionUser{}, s.writeErr("claim", uid, err)
	}
	return s.actionUser(out.Attributes), nil
}

// RecordOutcome writes an action's final state (done, failed, unknown,
// unavailable, waiting_brand, skipped), only if the action is still sending,
// i.e. still owned by the run that claimed it.
func (s *Store) RecordOutcome(ctx context.Context, uid string, act signin.Action, r ActionRecord) error {
	attr := ActionAttr(string(act))
	p := newPathUpdate()
	p.set(dynamo.S(string(r.State)), attr, MemberState)
	p.set(dynamo.Time(r.UpdatedAt), attr, MemberUpdatedAt)
	p.set(dynamo.Int(int64(r.Attempts)), attr, MemberAttempts)
	// An outcome replaces what an earlier one said (a welcome that waited
	// for the brand and is now done has no reason any more).
	if r.Reason != "" {
		p.set(dynamo.S(r.Reason), attr, MemberReason)
	} else {
		p.remove(attr, MemberReason)
	}
	if r.Result != "" {
		p.set(dynamo.S(r.Result), attr, MemberResult)
	} else {
		p.remove(attr, MemberResult)
	}
	if r.Status != 0 {
		p.set(dynamo.Int(int64(r.Status)), attr, MemberStatus)
	} else {
		p.remove(attr, MemberStatus)
	}
	cond := p.path(attr, MemberState) + " = " + p.u.Value(dynamo.S(string(StateSending)))
	if _, err := s.db.UpdateItem(ctx, p.input(s.table, s.key(uid), cond)); err != nil {
		return s.writeErr("record "+string(act), uid, err)
	}
	return nil
}

// Requeue moves an action from state from back to pending, which makes the
// table's stream deliver the user to the actions function again. False when
// the action was not in state from (someone else requeued it, or it moved on).
func (s *Store) Requeue(ctx context.Context, uid string, act signin.Action, from State, now time.Time) (bool, error) {
	attr := ActionAttr(string(act))
	p := newPathUpdate()
	p.set(dynamo.S(string(StatePending)), attr, MemberState)
	p.set(dynamo.Time(now), attr, MemberUpdatedAt)
	cond := p.path(attr, MemberState) + " = " + p.u.Value(dynamo.S(string(from)))
	_, err := s.db.UpdateItem(ctx, p.input(s.table, s.key(uid), cond))
	if err != nil {
		if err = s.writeErr("requeue "+string(act), uid, err); errors.Is(err, ErrConflict) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// MarkRevoked records that the user's token no longer works (X answered 401):
// no further call is made with it until the user signs in again, which
// clears the mark (SaveSignIn).
func (s *Store) MarkRevoked(ctx context.Context, uid string, now time.Time) error {
	ub := dynamo.NewUpdate()
	ub.Set(AttrRevoked, dynamo.Bool(true))
	ub.Set(AttrRevokedAt, dynamo.Time(now))
	ub.When("attribute_exists(" + ub.Name(AttrUID) + ")")
	if _, err := s.db.UpdateItem(ctx, ub.Input(s.table, s.key(uid))); err != nil {
		return s.writeErr("mark revoked", uid, err)
	}
	return nil
}

// Unsubscribe stops promotional DMs to the user. It is idempotent and keeps
// the first unsubscribed_at. False when there is no such user.
func (s *Store) Unsubscribe(ctx context.Context, uid string, now time.Time) (bool, error) {
	if _, err := xapi.ParseID(uid); err != nil {
		return false, fmt.Errorf("users: %w", err)
	}
	ub := dynamo.NewUpdate()
	ub.Set(AttrSubscribed, dynamo.Bool(false))
	ub.SetIfNotExists(AttrUnsubscribedAt, dynamo.Time(now))
	ub.When("attribute_exists(" + ub.Name(AttrUID) + ")")
	if _, err := s.db.UpdateItem(ctx, ub.Input(s.table, s.key(uid))); err != nil {
		if err = s.writeErr("unsubscribe", uid, err); errors.Is(err, ErrConflict) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// WaitingForBrand returns one page of the users whose welcome DM waits for the
// brand account, starting after the uid cursor after ("" from the start), and
// the cursor of the next page ("" when the scan is over). A filtered Scan:
// the table holds sign-ups, and this runs once per brand sign-in.
func (s *Store) WaitingForBrand(ctx context.Context, after string, limit int32) (uids []string, next string, err error) {
	ub := dynamo.NewUpdate() // for its placeholders only
	filter := ub.Name(ActionAttr(string(signin.ActionWelcome))) + "." + ub.Name(MemberState) + " = " + ub.Value(dynamo.S(string(StateWaitingBrand)))
	in := ub.Input(s.table, nil)
	scan := &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		FilterExpression:          aws.String(filter),
		ProjectionExpression:      aws.String(ub.Name(AttrUID)),
		ExpressionAttributeNames:  in.ExpressionAttributeNames,
		ExpressionAttributeValues: in.ExpressionAttributeValues,
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(limit),
	}
	if after != "" {
		scan.ExclusiveStartKey = s.key(after)
	}
	out, err := s.db.Scan(ctx, scan)
	if err != nil {
		return nil, "", fmt.Errorf("%w: scan waiting_brand: %w", ErrUnavailable, err)
	}
	for _, it := range out.Items {
		if uid, ok := dynamo.GetN(it, AttrUID); ok {
			uids = append(uids, uid)
		}
	}
	return uids, lastUID(out.LastEvaluatedKey), nil
}

func lastUID(k dynamo.Item) string {
	if k == nil {
		return ""
	}
	uid, _ := dynamo.GetN(k, AttrUID)
	return uid
}

// Recipient is a user as a campaign sees it.
type Recipient struct {
	UID        string
	Subscribed bool
	Revoked    bool
	Brand      bool
	Campaigns  []string // campaigns_sent
}

// HasCampaign reports whether the user is already marked for campaign id.
func (r Recipient) HasCampaign(id string) bool {
	for _, c := range r.Campaigns {
		if c == id {
			return true
		}
	}
	return false
}

// ScanRecipients returns up to limit users after the uid cursor after (""
// from the start of the table) and the uid to resume after. more is false
// when the scan has reached the end. Items come in the table's own order, which
// is stable, so a campaign can store the cursor and resume days later.
func (s *Store) ScanRecipients(ctx context.Context, after string, limit int32) (rs []Recipient, more bool, err error) {
	ub := dynamo.NewUpdate()
	proj := strings.Join([]string{ub.Name(AttrUID), ub.Name(AttrSubscribed), ub.Name(AttrRevoked), ub.Name(AttrBrand), ub.Name(AttrCampaignsSent)}, ", ")
	scan := &dynamodb.ScanInput{
		TableName:                aws.String(s.table),
		ProjectionExpression:     aws.String(proj),
		ExpressionAttributeNames: ub.Input(s.table, nil).ExpressionAttributeNames,
		Limit:                    aws.Int32(limit),
	}
	if after != "" {
		if _, err := xapi.ParseID(after); err != nil {
			return nil, false, fmt.Errorf("users: cursor: %w", err)
		}
		scan.ExclusiveStartKey = s.key(after)
	}
	out, err := s.db.Scan(ctx, scan)
	if err != nil {
		return nil, false, fmt.Errorf("%w: scan recipients: %w", ErrUnavailable, err)
	}
	for _, it := range out.Items {
		r := Recipient{
			Subscribed: dynamo.GetBool(it, AttrSubscribed),
			Revoked:    dynamo.GetBool(it, AttrRevoked),
			Brand:      dynamo.GetBool(it, AttrBrand),
		}
		r.UID, _ = dynamo.GetN(it, AttrUID)
		if ss, ok := it[AttrCampaignsSent].(*types.AttributeValueMemberSS); ok {
			r.Campaigns = ss.Value
		}
		rs = append(rs, r)
	}
	return rs, out.LastEvaluatedKey != nil, nil
}

// MarkCampaign adds campaign id to the user's campaigns_sent, only if it is
// not there yet and the user is still subscribed and not revoked (checked in
// the same write, so an unsubscribe that lands during a run is honoured).
// False when the condition failed: already marked, unsubscribed, revoked, or
// gone. The caller sends the DM only after a true: at most once per user.
func (s *Store) MarkCampaign(ctx context.Context, uid, id string, now time.Time) (bool, error) {
	ub := dynamo.NewUpdate()
	set := ub.Value(&types.AttributeValueMemberSS{Value: []string{id}})
	sent := ub.Name(AttrCampaignsSent)
	cond := fmt.Sprintf("attribute_exists(%s) AND NOT contains(%s, %s) AND %s = %s AND (attribute_not_exists(%s) OR %s = %s)",
		ub.Name(AttrUID), sent, ub.Value(dynamo.S(id)), ub.Name(AttrSubscribed), ub.Value(dynamo.Bool(true)),
		ub.Name(AttrRevoked), ub.Name(AttrRevoked), ub.Value(dynamo.Bool(false)))
	in := ub.When(cond).Input(s.table, s.key(uid))
	in.UpdateExpression = aws.String("ADD " + sent + " " + set)
	if _, err := s.db.UpdateItem(ctx, in); err != nil {
		if err = s.writeErr("mark campaign", uid, err); errors.Is(err, ErrConflict) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// UnmarkCampaign removes campaign id from the user's campaigns_sent. Used
// only when X answered that the DM was NOT sent (a 429), so that a later run
// sends it.
func (s *Store) UnmarkCampaign(ctx context.Context, uid, id string) error {
	ub := dynamo.NewUpdate()
	expr := "DELETE " + ub.Name(AttrCampaignsSent) + " " + ub.Value(&types.AttributeValueMemberSS{Value: []string{id}})
	in := ub.Input(s.table, s.key(uid))
	in.UpdateExpression = aws.String(expr)
	if _, err := s.db.UpdateItem(ctx, in); err != nil {
		return s.writeErr("unmark campaign", uid, err)
	}
	return nil
}

func (s *Store) writeErr(op, uid string, err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("%w: %s %s", ErrConflict, op, uid)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrUnavailable, op, uid, err)
}
