package devserver

// Concurrency is a Lambda function's reserved concurrency: at most that many
// invocations of the function run at once. Lambda throttles the ones beyond
// it at once (an HTTP API invokes synchronously: nothing waits in a queue),
// and API Gateway answers such a request 500 {"message":"Internal Server
// Error"}: the Lambda developer guide, "Handling Lambda errors with an API
// Gateway API": "If the Lambda API rejects the invocation request, API
// Gateway returns a 500 error code", with the body HTTP API spells
// {"message":"Internal Server Error"} (API Gateway guide, "Troubleshooting
// issues with HTTP API Lambda integrations"). Lambda counts it in the
// function's Throttles metric.
//
// Share one Concurrency between the routes of one function, as they share
// the function's instances. Safe for concurrent use.
type Concurrency struct {
	slots chan struct{} // a slot per invocation running; its capacity is the limit
}

// ReservedConcurrency returns the limit of a function whose
// reservedConcurrency is n. Zero is valid and throttles every invocation,
// as on AWS (a function switched off); a negative n is treated as zero.
func ReservedConcurrency(n int) *Concurrency {
	return &Concurrency{slots: make(chan struct{}, max(n, 0))}
}

// Reserved is the limit n it was made with.
func (c *Concurrency) Reserved() int { return cap(c.slots) }

// acquire takes a slot without waiting; release gives it back. A nil
// Concurrency (unreserved: the account's pool, which local runs never
// exhaust) always has one.
func (c *Concurrency) acquire() (release func(), ok bool) {
	if c == nil {
		return func() {}, true
	}
	select {
	case c.slots <- struct{}{}:
		return func() { <-c.slots }, true
	default:
		return nil, false
	}
}

// InUse is how many invocations hold a slot now (for tests and logs).
func (c *Concurrency) InUse() int {
	if c == nil {
		return 0
	}
	return len(c.slots)
}
