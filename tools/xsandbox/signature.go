package xsandbox

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net"
	"net/url"
	"slices"
	"strings"
)

// SignatureBaseString builds the OAuth 1.0a signature base string of RFC 5849
// section 3.4.1.1: the upper-cased method, the base string URI of rawURL
// (section 3.4.1.2) and the normalized request parameters (section 3.4.1.3.2),
// each percent-encoded and joined with "&".
//
// params must hold every signed parameter: the oauth_* protocol parameters
// (without oauth_signature and realm), the query parameters and the
// form-encoded body parameters, decoded. Any query string or fragment in rawURL
// is dropped from the base string URI and is NOT added to params: pass the
// query parameters in params. Duplicate keys are kept and sorted by value.
func SignatureBaseString(method, rawURL string, params url.Values) string {
	return strings.ToUpper(method) + "&" +
		percentEncode(baseStringURI(rawURL)) + "&" +
		percentEncode(normalizeParameters(params))
}

// Sign returns the HMAC-SHA1 signature of a signature base string, base64
// encoded, as RFC 5849 section 3.4.2 defines it: the key is the
// percent-encoded consumer secret and token secret joined with "&" (the token
// secret is empty when a request is signed without a token, such as the
// request-token step).
func Sign(base, consumerSecret, tokenSecret string) string {
	key := percentEncode(consumerSecret) + "&" + percentEncode(tokenSecret)
	mac := hmac.New(sha1.New, []byte(key))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// baseStringURI implements RFC 5849 section 3.4.1.2: scheme and host in lower
// case, the port only when it is not the scheme's default, the path as sent
// (an empty path is "/"), no query and no fragment.
func baseStringURI(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		// Not a URL we can normalize: sign what we were given, minus any query,
		// so the mismatch shows up as a signature error rather than a panic.
		before, _, _ := strings.Cut(rawURL, "?")
		return before
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	switch {
	case port != "":
		host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"): // an IPv6 literal keeps its brackets
		host = "[" + host + "]"
	}
	return scheme + "://" + host + cmp.Or(u.EscapedPath(), "/")
}

// normalizeParameters implements RFC 5849 section 3.4.1.3.2: every name and
// value is percent-encoded, the pairs are sorted by encoded name and then by
// encoded value, each pair is joined with "=" and the pairs with "&".
func normalizeParameters(params url.Values) string {
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(params))
	for k, vs := range params {
		for _, v := range vs {
			pairs = append(pairs, pair{percentEncode(k), percentEncode(v)})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return cmp.Or(strings.Compare(a.k, b.k), strings.Compare(a.v, b.v)) })
	joined := make([]string, len(pairs))
	for i, p := range pairs {
		joined[i] = p.k + "=" + p.v
	}
	return strings.Join(joined, "&")
}

// percentEncode implements RFC 5849 section 3.6 (RFC 3986 section 2.1): only
// the unreserved characters A-Z a-z 0-9 - . _ ~ stay as they are; every other
// byte of the UTF-8 text becomes %XX with upper-case hex digits, so a space is
// "%20" and never "+". That is url.QueryEscape, which writes a space as "+"
// (and a "+" as "%2B").
func percentEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
