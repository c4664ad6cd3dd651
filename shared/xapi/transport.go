package xapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// MaxBody bounds how much of any answer from X is read.
const MaxBody = 64 << 10

// NewHTTPClient returns the client used for every call to X: a timeout per
// call that fits a Lambda's budget and a transport whose connections are kept
// warm between invocations of the same sandbox.
func NewHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	tr.ResponseHeaderTimeout = timeout
	return &http.Client{Timeout: timeout, Transport: tr}
}

// Classify turns a transport failure into ErrTimeout or ErrUnreachable (kept
// wrapped for the log), and passes anything else through.
func Classify(step string, err error) error {
	if err == nil {
		return nil
	}
	var xe *Error
	if errors.As(err, &xe) {
		return xe
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: %s: %s", ErrTimeout, step, redactURL(err))
	case errors.Is(err, context.Canceled):
		return err
	}
	return fmt.Errorf("%w: %s: %s", ErrUnreachable, step, redactURL(err))
}

// redactURL drops the query of a *url.Error's URL: X's OAuth calls carry the
// request token and verifier there.
func redactURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		u, perr := url.Parse(ue.URL)
		if perr == nil {
			u.RawQuery = ""
			return fmt.Sprintf("%s %s: %v", ue.Op, u.String(), ue.Err)
		}
	}
	return err.Error()
}

// ReadBody reads at most MaxBody bytes of an answer.
func ReadBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBody {
		return nil, fmt.Errorf("%w: answer larger than %d bytes", ErrMalformed, MaxBody)
	}
	return b, nil
}

// ErrorTransport turns every non-2xx answer into an *Error returned from
// RoundTrip, so that code which only sees an error (such as
// github.com/dghubble/oauth1's token calls, which fold the body into a string)
// still gets X's code, message and rate-limit headers. Through http.Client
// the *Error arrives wrapped in a *url.Error; errors.As finds it.
type ErrorTransport struct {
	Base http.RoundTripper
	Step string
}

// RoundTrip implements http.RoundTripper.
func (t ErrorTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Base.RoundTrip(req)
	if err != nil || (resp.StatusCode >= 200 && resp.StatusCode < 300) {
		return resp, err
	}
	defer resp.Body.Close()
	body, _ := ReadBody(resp.Body)
	return nil, ParseError(t.Step, resp.StatusCode, resp.Header, body)
}
