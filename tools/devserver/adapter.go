package devserver

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// HTTPHandler is a Lambda handler for HTTP API events.
type HTTPHandler func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// MaxBody is API Gateway's payload limit (10 MB).
const MaxBody = 10 << 20

// Options tune the adapter.
type Options struct {
	// Timeout is the function's timeout from serverless.yml: the handler's
	// context gets this deadline, as under Lambda.
	Timeout time.Duration
	// RouteKey is "METHOD /path" as in serverless.yml.
	RouteKey string
	// Concurrency is the function's reserved concurrency (shared by all the
	// function's routes); nil: unreserved, never throttled locally.
	Concurrency *Concurrency
	// Logf, when set, reports what API Gateway and Lambda would only show
	// in metrics: an invocation throttled by the reserved concurrency.
	Logf func(format string, args ...any)
}

// Handler serves h over HTTP. A handler error becomes a 500 with API
// Gateway's body ({"message":"Internal Server Error"}), which is what a
// browser would see in production, so local runs show it too. So does an
// invocation beyond the function's reserved concurrency, at once.
func Handler(h HTTPHandler, o Options) http.Handler {
	o.Timeout = cmp.Or(o.Timeout, 10*time.Second)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := Event(r, o.RouteKey)
		if err != nil {
			http.Error(w, `{"message":"Request Entity Too Large"}`, http.StatusRequestEntityTooLarge)
			return
		}
		release, ok := o.Concurrency.acquire()
		if !ok {
			if o.Logf != nil {
				o.Logf("%s: Lambda throttled the invocation (all %d of its reserved concurrency in use): answered 500 as API Gateway does", o.RouteKey, o.Concurrency.Reserved())
			}
			writeGatewayError(w, http.StatusInternalServerError, internalServerErrorBody)
			return
		}
		defer release()
		ctx, cancel := context.WithTimeout(r.Context(), o.Timeout)
		defer cancel()
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: req.RequestContext.RequestID})
		resp, err := h(ctx, req)
		if err != nil {
			writeGatewayError(w, http.StatusInternalServerError, internalServerErrorBody)
			return
		}
		Write(w, resp)
	})
}

// Event builds the payload 2.0 event API Gateway would send for r.
func Event(r *http.Request, routeKey string) (events.APIGatewayV2HTTPRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	if len(body) > MaxBody {
		return events.APIGatewayV2HTTPRequest{}, io.ErrShortBuffer
	}
	headers := map[string]string{}
	for k, v := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	var cookies []string
	for _, c := range r.Header.Values("Cookie") {
		for _, part := range strings.Split(c, ";") {
			if part = strings.TrimSpace(part); part != "" {
				cookies = append(cookies, part)
			}
		}
	}
	query := map[string]string{}
	for k, v := range r.URL.Query() {
		query[k] = strings.Join(v, ",") // API Gateway joins repeated parameters
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	now := time.Now()
	req := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   routeKey,
			AccountID:  "000000000000",
			Stage:      "$default",
			RequestID:  RequestID(),
			APIID:      "local",
			DomainName: r.Host,
			Time:       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:  now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  ip,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		// HTTP API base64-encodes bodies that are not text; form posts
		// arrive encoded, which is the case the handlers must handle.
		if isText(headers["content-type"]) {
			req.Body = string(body)
		} else {
			req.Body, req.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	if len(query) == 0 {
		req.QueryStringParameters = nil
	}
	return req, nil
}

// isText mirrors which content types HTTP API passes through as text.
func isText(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "application/xml")
}

// Write sends a payload 2.0 response: status, headers, each cookie as its own
// Set-Cookie, the body (decoded when base64).
func Write(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	w.WriteHeader(cmp.Or(resp.StatusCode, http.StatusOK))
	_, _ = w.Write(body)
}

// RequestID is a fresh request id in the UUID form that API Gateway and
// Lambda give.
func RequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
