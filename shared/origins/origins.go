package origins

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Parse reads an origin as it may be configured or sent: scheme://host[:port],
// http or https, nothing else (a trailing "/" aside). It returns the origin
// in the form browsers serialize it (RFC 6454 section 6.1): scheme and host
// lower case, the scheme's default port left out. Wildcards are refused.
func Parse(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if strings.Contains(raw, "*") {
		return "", fmt.Errorf("%q: wildcards are not allowed; list each origin", raw)
	}
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%q is not an origin (scheme://host[:port])", raw)
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("%q is not an origin: no path, query, fragment or credentials", raw)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", fmt.Errorf("%q is not an http(s) origin", raw)
	}
	return Of(u), nil
}

// Of is the serialized origin of an absolute URL (its path, query and
// fragment are ignored).
func Of(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" || strings.Contains(host, ":") {
		if port == "" {
			return scheme + "://[" + host + "]"
		}
		return scheme + "://" + net.JoinHostPort(host, port)
	}
	return scheme + "://" + host
}

// Set is a list of allowed origins. The zero value allows nothing.
type Set struct{ list []string }

// NewSet returns the set of the given origins, each parsed with Parse.
func NewSet(raw ...string) (Set, error) {
	var s Set
	var errs []error
	for _, r := range raw {
		o, err := Parse(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !s.Allows(o) {
			s.list = append(s.list, o)
		}
	}
	return s, errors.Join(errs...)
}

// List returns the origins, in the order given.
func (s Set) List() []string { return append([]string(nil), s.list...) }

// Allows reports whether origin (as a browser sends it) is in the set. The
// comparison is exact after normalisation: no suffix or pattern matching, and
// the literal "null" (an opaque origin: a sandboxed frame, a data: URL, a
// redirect across origins) is never allowed.
func (s Set) Allows(origin string) bool {
	o, err := Parse(origin)
	if err != nil {
		return false
	}
	for _, a := range s.list {
		if a == o {
			return true
		}
	}
	return false
}
