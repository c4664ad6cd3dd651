package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
)

// utmFields are the attribution fields kept from the form, with the reason
// of a value too long.
var utmFields = [...]struct {
	name string
	bad  Reason
}{
	{"utm_source", ReasonBadUTMSource},
	{"utm_medium", ReasonBadUTMMedium},
	{"utm_campaign", ReasonBadUTMCampaign},
	{"utm_term", ReasonBadUTMTerm},
	{"utm_content", ReasonBadUTMContent},
}

const maxUTM = 200

// ParseChoices reads the sign-up form: follow and tweet (true/false, on, 1/0;
// absent is false, as an unticked checkbox sends nothing), brand (the
// brand's own start: brand=true connects the sender account), the utm_* fields,
// and return_to, which is honoured only when it points under the site's
// origin (anything else is dropped, never followed). Unknown fields are
// ignored so that a page can carry its own.
func ParseChoices(form url.Values, site *url.URL) (signin.Choices, *Problem) {
	var c signin.Choices
	var p *Problem
	if c.Follow, p = flag(form, "follow", ReasonBadFollow); p != nil {
		return c, p
	}
	if c.Tweet, p = flag(form, "tweet", ReasonBadTweet); p != nil {
		return c, p
	}
	if c.Brand, p = flag(form, "brand", ReasonBadBrand); p != nil {
		return c, p
	}
	for _, f := range utmFields {
		k := f.name
		raw := strings.TrimSpace(form.Get(k))
		if utf8.RuneCountInString(raw) > maxUTM {
			return c, problem(http.StatusBadRequest, f.bad, "%s must be at most %d characters", k, maxUTM)
		}
		v := SafeUTM(raw)
		if v == "" {
			continue
		}
		if c.UTM == nil {
			c.UTM = map[string]string{}
		}
		c.UTM[k] = v
	}
	c.ReturnTo = ReturnTo(form.Get("return_to"), site)
	return c, nil
}

// SafeUTM keeps an attribution value to a character set that is inert
// wherever it is shown later (an operator's export, a dashboard, a page):
// letters, digits and - _ . ~; a space (a "+" in the form) becomes _, and
// everything else (markup, quotes, control characters) is dropped. The
// visitor still signs in; only the attribution is cleaned.
func SafeUTM(v string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), strings.ContainsRune("-_.~", r):
			return r
		case r == ' ':
			return '_'
		}
		return -1
	}, v)
}

func flag(form url.Values, name string, bad Reason) (bool, *Problem) {
	switch strings.ToLower(strings.TrimSpace(form.Get(name))) {
	case "", "false", "0", "off", "no":
		return false, nil
	case "true", "1", "on", "yes":
		return true, nil
	}
	return false, problem(http.StatusBadRequest, bad, "%s must be true or false", name)
}

// ReturnTo resolves raw against the site and keeps it only if the result has
// the site's scheme and host: a path ("/thanks"), or an absolute URL on the
// same origin. Protocol-relative ("//evil.example") and other origins give "".
func ReturnTo(raw string, site *url.URL) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 1024 || strings.ContainsAny(raw, "\\\r\n\t") {
		return ""
	}
	ref, err := url.Parse(raw)
	if err != nil || ref.User != nil {
		return ""
	}
	u := site.ResolveReference(ref)
	if u.Scheme != site.Scheme || u.Host != site.Host {
		return ""
	}
	u.Fragment = ""
	return u.String()
}
