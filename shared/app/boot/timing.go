package boot

import (
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Timing is how one function spends its Lambda time. Every value the
// functions use is in the table below; the packages have no defaults of
// their own. (The DynamoDB and SSM clients' per-attempt timeouts and retries
// are the AWS SDK's configuration, the same for every function: config.AWS.)
type Timing struct {
	// Lambda is the function's timeout in serverless.yml (a test checks it).
	Lambda time.Duration
	// XCall bounds one call to X (the HTTP client's timeout).
	XCall time.Duration
	// Attempts, Backoff and MaxWait are the retry policy of the calls to X
	// (xapi.Retry): tries in all, the first wait after a 5xx, a missing
	// answer or a 429 without a reset (doubling), the longest wait for one
	// retry (a 429's reset included). Writes to X retry only a 429.
	Attempts int
	Backoff  time.Duration
	MaxWait  time.Duration
	// Margin is kept free before the deadline: for the sign-in, to answer
	// the browser with a clear result after a slow X; for the actions, to
	// record outcomes and save a campaign's cursor (campaigns and the sweep
	// stop this long before the deadline, retries keep it free).
	Margin time.Duration
	// RecordBudget is the least time left for twitter_actions to start on a
	// stream record; later records go back to Lambda for a fresh invocation.
	RecordBudget time.Duration
}

// The timing of each function. An action claimed longer ago than
// twitter_actions' Lambda timeout belongs to a run that is over (the sweep).
var (
	GenerateSession = Timing{Lambda: 10 * time.Second, XCall: 3 * time.Second, Attempts: 3, Backoff: 150 * time.Millisecond, MaxWait: 2 * time.Second, Margin: 1500 * time.Millisecond}
	TwitterCallback = Timing{Lambda: 10 * time.Second, XCall: 3 * time.Second, Attempts: 3, Backoff: 150 * time.Millisecond, MaxWait: 2 * time.Second, Margin: 1500 * time.Millisecond}
	TwitterActions  = Timing{Lambda: 15 * time.Minute, XCall: 5 * time.Second, Attempts: 4, Backoff: time.Second, MaxWait: 15 * time.Minute, Margin: 10 * time.Second, RecordBudget: 20 * time.Second}
)

// Retry is the policy of the function's calls to X; writes (a follow, a
// DM, a post) are never repeated after X may have acted.
func (t Timing) Retry(writes bool) xapi.Retry {
	return xapi.Retry{Attempts: t.Attempts, Backoff: t.Backoff, MaxWait: t.MaxWait, Margin: t.Margin, Writes: writes}
}
