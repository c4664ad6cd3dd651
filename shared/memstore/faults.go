package memstore

import (
	"context"
	"errors"
	"sync"
)

// Op names a store call: its method's name (OpClaimPending, ...).
type Op string

// The calls of Users and Campaigns.
const (
	OpGetActionUser       Op = "GetActionUser"
	OpClaimPending        Op = "ClaimPending"
	OpRecordOutcome       Op = "RecordOutcome"
	OpMarkRevoked         Op = "MarkRevoked"
	OpWaitingForBrand     Op = "WaitingForBrand"
	OpRequeue             Op = "Requeue"
	OpScanSending         Op = "ScanSending"
	OpMarkUnknown         Op = "MarkUnknown"
	OpScanVisitorTokens   Op = "ScanVisitorTokens"
	OpRemoveCredentials   Op = "RemoveCredentials"
	OpScanRecipients      Op = "ScanRecipients"
	OpMarkCampaign        Op = "MarkCampaign"
	OpUnmarkCampaign      Op = "UnmarkCampaign"
	OpApproxUsers         Op = "ApproxUsers"
	OpReadTokens          Op = "ReadTokens"
	OpTakeRefreshLease    Op = "TakeRefreshLease"
	OpSaveRefreshed       Op = "SaveRefreshed"
	OpReleaseRefreshLease Op = "ReleaseRefreshLease"
	OpMarkReconnect       Op = "MarkReconnect"
	OpMarkLeaseExpired    Op = "MarkLeaseExpired"
	OpSaveSignIn          Op = "SaveSignIn"
	OpUnsubscribe         Op = "Unsubscribe"

	OpCreate     Op = "Create"
	OpGet        Op = "Get"
	OpUnfinished Op = "Unfinished"
	OpAcquire    Op = "Acquire"
	OpSave       Op = "Save"
)

// ErrInjected is the error of a Fault without one of its own: DynamoDB
// failing (the store wraps it as its real counterpart does, in
// actions.ErrStoreUnavailable and the like).
var ErrInjected = errors.New("memstore: injected fault (DynamoDB answered 500)")

// Fault fails calls of one Op.
type Fault struct {
	Op Op
	// Nth is the first call of Op to fail, counted from when the fault is
	// injected (1: the next one; 0 is read as 1).
	Nth int
	// Times is how many calls fail from the Nth on (0 is read as 1; -1:
	// every one).
	Times int
	// After: the write lands, and then its answer is lost (the caller sees
	// the error); otherwise nothing is written.
	After bool
	Err   error // ErrInjected when nil
}

// Call is one call as a hook sees it.
type Call struct {
	Op  Op
	Key string // the uid, or the campaign id ("" for scans)
}

// faults are the faults and hooks of one store.
type faults struct {
	mu     sync.Mutex
	list   []*armed
	calls  map[Op]int
	before func(ctx context.Context, c Call) error
	after  func(ctx context.Context, c Call) error
}

type armed struct {
	Fault
	seen, failed int
}

// Inject arms f.
func (f *faults) Inject(fl Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl.Nth <= 0 {
		fl.Nth = 1
	}
	if fl.Times == 0 {
		fl.Times = 1
	}
	if fl.Err == nil {
		fl.Err = ErrInjected
	}
	f.list = append(f.list, &armed{Fault: fl})
}

// Reset disarms every fault (the table is back).
func (f *faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = nil
}

// Before sets a hook run before every call, outside the store's lock: an
// error fails the call with nothing written. nil removes it.
func (f *faults) Before(h func(ctx context.Context, c Call) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.before = h
}

// After sets a hook run after every call that succeeded, outside the
// store's lock: an error is the call's (what it wrote stays). nil removes
// it.
func (f *faults) After(h func(ctx context.Context, c Call) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.after = h
}

// Calls is how many calls of op were made (failed ones included).
func (f *faults) Calls(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// fault is the armed fault this call of op meets, if any.
func (f *faults) fault(op Op) (before, after error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[Op]int{}
	}
	f.calls[op]++
	var fire *armed
	for _, a := range f.list { // each fault counts every call of its Op
		if a.Op != op {
			continue
		}
		a.seen++
		if fire == nil && a.seen >= a.Nth && (a.Times < 0 || a.failed < a.Times) {
			fire = a
		}
	}
	switch {
	case fire == nil:
		return nil, nil
	case fire.After:
		fire.failed++
		return nil, fire.Err
	}
	fire.failed++
	return fire.Err, nil
}

func (f *faults) hooks() (before, after func(ctx context.Context, c Call) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.before, f.after
}

// run makes one call: the before hook and fault, fn under mu, then the
// after fault and hook. wrap turns an injected error into what the real
// store returns.
func (f *faults) run(ctx context.Context, mu *sync.Mutex, c Call, wrap func(error) error, fn func() error) error {
	bh, ah := f.hooks()
	if bh != nil {
		if err := bh(ctx, c); err != nil {
			return wrap(err)
		}
	}
	berr, aerr := f.fault(c.Op)
	if berr != nil {
		return wrap(berr)
	}
	if err := ctx.Err(); err != nil {
		return wrap(err) // the SDK does not send a request on a context that is over
	}
	mu.Lock()
	err := fn()
	mu.Unlock()
	if err != nil {
		return err
	}
	if aerr != nil {
		return wrap(aerr)
	}
	if ah != nil {
		if err := ah(ctx, c); err != nil {
			return wrap(err)
		}
	}
	return nil
}
