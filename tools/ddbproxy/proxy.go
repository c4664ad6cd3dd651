// Package ddbproxy is an HTTP proxy in front of DynamoDB Local that counts
// the calls by operation and injects faults (a slow answer, a dropped
// connection, a 5xx, throttling, a malformed body) per operation. Tests use
// it to prove how many round trips a request makes and how every DynamoDB
// failure ends. Local tooling only.
package ddbproxy

import (
	"io"
	"maps"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Fault kinds.
const (
	Slow      = "slow"      // answer after Delay (the client's timeout fires first)
	Drop      = "drop"      // close the connection without an answer
	Error5xx  = "5xx"       // 500 InternalServerError
	Throttle  = "throttle"  // 400 ThrottlingException (the SDK retries it)
	Malformed = "malformed" // 200 with a body that is not JSON
)

// Fault applies to the calls of Op ("PutItem", "DeleteItem", ...): after
// letting After of them through, to the next Times (0: every one).
type Fault struct {
	Op    string
	Kind  string
	Delay time.Duration
	Times int
	After int
}

// Proxy forwards to a DynamoDB endpoint.
type Proxy struct {
	rp       *httputil.ReverseProxy
	mu       sync.Mutex
	counts   map[string]int      // operations: an SDK call and its retries count once
	attempts map[string]int      // HTTP requests
	faulted  map[string]int      // HTTP requests a fault took
	seen     map[string]struct{} // amz-sdk-invocation-id of the calls counted
	faults   []*Fault
}

// New returns a proxy to target (DynamoDB Local's endpoint).
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &Proxy{rp: httputil.NewSingleHostReverseProxy(u)}
	p.Reset()
	return p, nil
}

// Inject adds a fault.
func (p *Proxy) Inject(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, &f)
}

// Clear removes every fault.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = nil
}

// Counts returns the calls made per operation, faulted ones included. An SDK
// call's retries share its amz-sdk-invocation-id and count once, so a slow
// emulator answer that makes the SDK try again does not change the figure.
func (p *Proxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.counts)
}

// Attempts returns the HTTP requests seen per operation, retries included.
func (p *Proxy) Attempts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.attempts)
}

// Faulted returns the HTTP requests per operation that an injected fault
// took (answered, dropped or, when slow, held): Attempts less Faulted
// reached DynamoDB untouched, however often the SDK tried again.
func (p *Proxy) Faulted() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.faulted)
}

// Reset forgets the counts.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts, p.attempts, p.faulted, p.seen = map[string]int{}, map[string]int{}, map[string]int{}, map[string]struct{}{}
}

func (p *Proxy) take(op, invocation string) *Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.attempts[op]++
	if _, again := p.seen[invocation]; !again || invocation == "" {
		p.counts[op]++
		p.seen[invocation] = struct{}{}
	}
	for i, f := range p.faults {
		if f.Op != op {
			continue
		}
		if f.After > 0 {
			f.After--
			return nil
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				p.faults = append(p.faults[:i], p.faults[i+1:]...)
			}
		}
		p.faulted[op]++
		c := *f
		return &c
	}
	return nil
}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	f := p.take(op, r.Header.Get("Amz-Sdk-Invocation-Id"))
	if f == nil {
		p.rp.ServeHTTP(w, r)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	switch f.Kind {
	case Slow:
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return
		}
		p.rp.ServeHTTP(w, r)
	case Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case Error5xx:
		writeErr(w, http.StatusInternalServerError, "com.amazonaws.dynamodb.v20120810#InternalServerError", "injected")
	case Throttle:
		writeErr(w, http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#ThrottlingException", "injected")
	case Malformed:
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, "<html>not json")
	}
}

func writeErr(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", strings.TrimPrefix(typ[strings.Index(typ, "#")+1:], "#"))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"__type":"`+typ+`","message":"`+msg+`"}`)
}
