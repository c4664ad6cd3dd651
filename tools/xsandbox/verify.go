package xsandbox

import (
	"crypto/subtle"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// timestampSkew is how far oauth_timestamp may be from the sandbox clock
// before X answers error 135.
const timestampSkew = 5 * time.Minute

// OAuth 1.0a protocol parameter names (RFC 5849 section 3.1).
const (
	paramConsumerKey     = "oauth_consumer_key"
	paramToken           = "oauth_token"
	paramSignature       = "oauth_signature"
	paramSignatureMethod = "oauth_signature_method"
	paramTimestamp       = "oauth_timestamp"
	paramNonce           = "oauth_nonce"
	paramVersion         = "oauth_version"
	paramCallback        = "oauth_callback"
	paramVerifier        = "oauth_verifier"
)

// signedRequest is an incoming request's OAuth 1.0a view: its protocol
// parameters (one value each) and everything needed to recompute its
// signature.
type signedRequest struct {
	protocol map[string]string
	method   string
	url      string
	params   url.Values // the signed parameters, without oauth_signature and realm
}

func (sr *signedRequest) get(name string) string { return sr.protocol[name] }

// authError is a failed authentication: the X v1 code a client sees (with
// its status and message, v1Codes), and the precise reason recorded in
// Call.Error (never a secret).
type authError struct {
	code   int
	reason string
}

func errBadAuthData(reason string) *authError { return &authError{215, reason} }

func errCouldNotAuthenticate(reason string) *authError { return &authError{32, reason} }

func errInvalidToken(reason string) *authError { return &authError{89, reason} }

// parseSignedRequest collects the OAuth 1.0a parameters of r the way X does:
// protocol parameters from the Authorization header (RFC 5849 section 3.5.1),
// the query string (section 3.5.3) or a form-encoded body (section 3.5.2), and
// the signed parameter set of section 3.4.1.3.1. A JSON body is not signed.
func parseSignedRequest(r *http.Request, body []byte) (*signedRequest, *authError) {
	sr := &signedRequest{
		protocol: map[string]string{},
		method:   r.Method,
		url:      requestURL(r),
		params:   url.Values{},
	}
	if aerr := sr.addAuthorizationHeader(r.Header.Get("Authorization")); aerr != nil {
		return nil, aerr
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errBadAuthData("malformed query string")
	}
	form := url.Values{}
	if isFormEncoded(r.Header.Get("Content-Type")) {
		if form, err = url.ParseQuery(string(body)); err != nil {
			return nil, errBadAuthData("malformed form-encoded body")
		}
	}
	for _, values := range []url.Values{query, form} {
		if aerr := sr.addValues(values); aerr != nil {
			return nil, aerr
		}
	}
	if aerr := sr.complete(); aerr != nil {
		return nil, aerr
	}
	return sr, nil
}

// addProtocol adds a protocol parameter. RFC 5849 section 3.5: a protocol
// parameter must not appear twice, whichever places carry it.
func (sr *signedRequest) addProtocol(k, v string) *authError {
	if _, dup := sr.protocol[k]; dup {
		return errBadAuthData("duplicate protocol parameter " + k)
	}
	sr.protocol[k] = v
	return nil
}

// addAuthorizationHeader adds the parameters of an "OAuth" Authorization
// header (another scheme, or none, adds nothing).
func (sr *signedRequest) addAuthorizationHeader(header string) *authError {
	scheme, rest, _ := strings.Cut(header, " ")
	if header == "" || !strings.EqualFold(scheme, "OAuth") {
		return nil
	}
	pairs, err := parseAuthorizationHeader(rest)
	if err != nil {
		return errBadAuthData("malformed Authorization header: " + err.Error())
	}
	for _, p := range pairs {
		if p.k == "realm" { // section 3.4.1.3.1: realm is not signed
			continue
		}
		if aerr := sr.addProtocol(p.k, p.v); aerr != nil {
			return aerr
		}
		if p.k != paramSignature {
			sr.params.Add(p.k, p.v)
		}
	}
	return nil
}

// addValues adds the parameters of the query string or of a form body: all
// are signed, and those named oauth_* are protocol parameters too.
func (sr *signedRequest) addValues(values url.Values) *authError {
	for k, vs := range values {
		for _, v := range vs {
			if strings.HasPrefix(k, "oauth_") {
				if aerr := sr.addProtocol(k, v); aerr != nil {
					return aerr
				}
			}
			if k != paramSignature {
				sr.params.Add(k, v)
			}
		}
	}
	return nil
}

// complete checks that the required protocol parameters are there, and the
// version, when given, is 1.0.
func (sr *signedRequest) complete() *authError {
	for _, name := range []string{paramConsumerKey, paramSignature, paramSignatureMethod, paramTimestamp, paramNonce} {
		if sr.protocol[name] == "" {
			return errBadAuthData("missing " + name)
		}
	}
	if v, ok := sr.protocol[paramVersion]; ok && v != "1.0" {
		return errBadAuthData("oauth_version must be 1.0, got " + strconv.Quote(v))
	}
	return nil
}

// verify checks a parsed request against the app's consumer credentials and
// the given token secret, in X's order: consumer key (32), signature method
// (32), timestamp (135), signature (32), then nonce replay (32). The nonce is
// remembered only once the signature is good, so a forged request cannot burn
// a client's nonce. The caller holds s.mu.
func (s *Sandbox) verify(sr *signedRequest, tokenSecret string, now time.Time) *authError {
	if sr.get(paramConsumerKey) != s.opts.ConsumerKey {
		return errCouldNotAuthenticate("unknown oauth_consumer_key")
	}
	if m := sr.get(paramSignatureMethod); m != "HMAC-SHA1" {
		return errCouldNotAuthenticate("unsupported oauth_signature_method " + strconv.Quote(m))
	}
	ts, err := strconv.ParseInt(sr.get(paramTimestamp), 10, 64)
	if err != nil {
		return errCouldNotAuthenticate("oauth_timestamp is not a number")
	}
	stamp := time.Unix(ts, 0)
	if skew := now.Sub(stamp); skew > timestampSkew || skew < -timestampSkew {
		return &authError{135, fmt.Sprintf("oauth_timestamp %d is %s away from the sandbox clock %d", ts, skew.Round(time.Second), now.Unix())}
	}
	base := SignatureBaseString(sr.method, sr.url, sr.params)
	want := Sign(base, s.opts.ConsumerSecret, tokenSecret)
	if subtle.ConstantTimeCompare([]byte(want), []byte(sr.get(paramSignature))) != 1 {
		// The base string holds no secret, and it is the one thing a developer
		// needs to find a signing bug.
		return errCouldNotAuthenticate("signature mismatch; the sandbox signed this base string: " + base)
	}
	if !s.nonces.remember(sr.get(paramConsumerKey), sr.get(paramNonce), stamp, now) {
		return errCouldNotAuthenticate("oauth_nonce already used")
	}
	return nil
}

// nonceStore remembers the nonces seen per consumer while their timestamps
// are still acceptable (RFC 5849 section 3.3); older ones could not be
// replayed anyway, because their timestamp would be refused.
type nonceStore struct {
	seen      map[string]time.Time // consumer key + nonce -> when it may be forgotten
	lastPrune time.Time
}

func (n *nonceStore) remember(consumerKey, nonce string, stamp, now time.Time) bool {
	if n.seen == nil {
		n.seen = map[string]time.Time{}
	}
	if now.Sub(n.lastPrune) > time.Minute || now.Before(n.lastPrune) {
		maps.DeleteFunc(n.seen, func(_ string, until time.Time) bool { return now.After(until) })
		n.lastPrune = now
	}
	key := consumerKey + "\x00" + nonce
	if _, ok := n.seen[key]; ok {
		return false
	}
	// Once its timestamp is out of bounds the request is refused with 135
	// anyway, so the nonce need not be remembered longer.
	n.seen[key] = stamp.Add(timestampSkew)
	return true
}

type headerParam struct{ k, v string }

// parseAuthorizationHeader parses the parameters of an "OAuth" Authorization
// header (RFC 5849 section 3.5.1): comma-separated name="value" pairs, both
// percent-encoded. Unquoted values are tolerated, as X tolerates them.
func parseAuthorizationHeader(s string) ([]headerParam, error) {
	var out []headerParam
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out, nil
		}
		name, rest, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("parameter %q has no value", strings.TrimSpace(name))
		}
		name = strings.TrimSpace(name)
		var value string
		rest = strings.TrimLeft(rest, " \t")
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote in parameter %q", name)
			}
			value, s = rest[1:1+end], rest[2+end:]
		} else {
			value, s, _ = strings.Cut(rest, ",")
			value = strings.TrimSpace(value)
		}
		k, err := url.PathUnescape(name)
		if err != nil {
			return nil, fmt.Errorf("bad percent-encoding in name %q", name)
		}
		v, err := url.PathUnescape(value)
		if err != nil {
			return nil, fmt.Errorf("bad percent-encoding in parameter %q", k)
		}
		out = append(out, headerParam{k, v})
	}
}

// requestURL reconstructs the URL the client signed. Behind a proxy the Host
// header names the host the client used; the scheme is http unless the
// connection is TLS or X-Forwarded-Proto says otherwise.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if fwd := r.Header.Get("X-Forwarded-Proto"); fwd != "" {
		first, _, _ := strings.Cut(fwd, ",")
		scheme = strings.ToLower(strings.TrimSpace(first))
	}
	return scheme + "://" + r.Host + r.URL.EscapedPath()
}

func isFormEncoded(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}
