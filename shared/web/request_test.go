package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func formEvent(body string, b64 bool, contentType string) *events.APIGatewayV2HTTPRequest {
	if b64 {
		body = base64.StdEncoding.EncodeToString([]byte(body))
	}
	h := map[string]string{}
	if contentType != "" {
		h["content-type"] = contentType
	}
	return &events.APIGatewayV2HTTPRequest{Body: body, IsBase64Encoded: b64, Headers: h}
}

const formCT = "application/x-www-form-urlencoded"

func TestParseForm(t *testing.T) {
	tests := []struct {
		name   string
		req    *events.APIGatewayV2HTTPRequest
		status int // 0: accepted
		want   url.Values
	}{
		{"a base64 form as API Gateway delivers it is decoded", formEvent("follow=true&utm_source=ads", true, formCT), 0, url.Values{"follow": {"true"}, "utm_source": {"ads"}}},
		{"a plain form body is read as is", formEvent("follow=false", false, formCT+"; charset=UTF-8"), 0, url.Values{"follow": {"false"}}},
		{"an empty form is accepted", formEvent("", true, formCT), 0, url.Values{}},
		{"an empty body without a content type is accepted", formEvent("", false, ""), 0, url.Values{}},
		{"JSON is refused with 415", formEvent(`{"follow":true}`, false, "application/json"), http.StatusUnsupportedMediaType, nil},
		{"a body without a content type is refused with 415", formEvent("follow=true", false, ""), http.StatusUnsupportedMediaType, nil},
		{"undecodable base64 is refused with 400", &events.APIGatewayV2HTTPRequest{Body: "%%%not base64", IsBase64Encoded: true, Headers: map[string]string{"content-type": formCT}}, http.StatusBadRequest, nil},
		{"a bad percent escape is refused with 400", formEvent("follow=%zz", true, formCT), http.StatusBadRequest, nil},
		{"a duplicated parameter is refused with 400", formEvent("follow=true&follow=false", true, formCT), http.StatusBadRequest, nil},
		{"invalid UTF-8 is refused with 400", formEvent("utm_source=%ff%fe", true, formCT), http.StatusBadRequest, nil},
		{"an oversized body is refused with 413 before decoding", formEvent("a="+strings.Repeat("x", 3*MaxBody), true, formCT), http.StatusRequestEntityTooLarge, nil},
		{"a body just over the limit after decoding is refused with 413", formEvent("a="+strings.Repeat("x", MaxBody), true, formCT), http.StatusRequestEntityTooLarge, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, p := ParseForm(tt.req)
			if tt.status != 0 {
				if p == nil || p.Status != tt.status || p.Message == "" || p.Reason == "" {
					t.Fatalf("problem = %+v, want status %d with a message", p, tt.status)
				}
				return
			}
			if p != nil {
				t.Fatalf("refused: %+v", p)
			}
			if got.Encode() != tt.want.Encode() {
				t.Fatalf("form = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	t.Run("the raw query is the source, not the comma-joined map", func(t *testing.T) {
		req := &events.APIGatewayV2HTTPRequest{RawQueryString: "oauth_token=a&oauth_token=b", QueryStringParameters: map[string]string{"oauth_token": "a,b"}}
		if _, p := ParseQuery(req); p == nil || p.Reason != "duplicate_parameter" {
			t.Fatalf("duplicate accepted: %+v", p)
		}
	})
	t.Run("a callback query is read", func(t *testing.T) {
		q, p := ParseQuery(&events.APIGatewayV2HTTPRequest{RawQueryString: "oauth_token=t&oauth_verifier=v"})
		if p != nil || q.Get("oauth_token") != "t" || q.Get("oauth_verifier") != "v" {
			t.Fatalf("%v %+v", q, p)
		}
	})
	t.Run("an overlong query is refused", func(t *testing.T) {
		if _, p := ParseQuery(&events.APIGatewayV2HTTPRequest{RawQueryString: "a=" + strings.Repeat("x", MaxQuery)}); p == nil {
			t.Fatal("accepted")
		}
	})
}

func TestParseChoices(t *testing.T) {
	site, _ := url.Parse("https://brand.example/landing?lang=en")
	tests := []struct {
		name    string
		form    url.Values
		follow  bool
		tweet   bool
		ret     string
		utm     string
		problem Reason
	}{
		{"an unticked form asks for nothing", url.Values{}, false, false, "", "", ""},
		{"a ticked checkbox sends true", url.Values{"follow": {"true"}, "tweet": {"on"}}, true, true, "", "", ""},
		{"false is false", url.Values{"follow": {"false"}}, false, false, "", "", ""},
		{"a follow value that is not a boolean is refused", url.Values{"follow": {"maybe"}}, false, false, "", "", "bad_follow"},
		{"utm fields are kept", url.Values{"utm_source": {"newsletter"}}, false, false, "", "newsletter", ""},
		{"an overlong utm field is refused", url.Values{"utm_source": {strings.Repeat("x", 201)}}, false, false, "", "", "bad_utm_source"},
		{"200 characters are kept", url.Values{"utm_source": {strings.Repeat("é", 200)}}, false, false, "", strings.Repeat("é", 200), ""},
		{"control characters are dropped from a utm field", url.Values{"utm_source": {"a\x00b"}}, false, false, "", "ab", ""},
		{"markup is dropped from a utm field", url.Values{"utm_source": {`<img src=x onerror="alert(1)">news`}}, false, false, "", "img_srcx_onerroralert1news", ""},
		{"spaces become underscores and -_.~ stay", url.Values{"utm_source": {"spring sale-2026_v1.2~b"}}, false, false, "", "spring_sale-2026_v1.2~b", ""},
		{"letters and digits of any script stay", url.Values{"utm_source": {"ニュース2026"}}, false, false, "", "ニュース2026", ""},
		{"a value of nothing but unsafe characters is no attribution", url.Values{"utm_source": {"<>\"'"}}, false, false, "", "", ""},
		{"a return path on the site is honoured", url.Values{"return_to": {"/thanks?x=1"}}, false, false, "https://brand.example/thanks?x=1", "", ""},
		{"an absolute return URL on the site is honoured", url.Values{"return_to": {"https://brand.example/a"}}, false, false, "https://brand.example/a", "", ""},
		{"another origin is dropped", url.Values{"return_to": {"https://evil.example/"}}, false, false, "", "", ""},
		{"a protocol-relative URL is dropped", url.Values{"return_to": {"//evil.example/x"}}, false, false, "", "", ""},
		{"a backslash trick is dropped", url.Values{"return_to": {"/\\evil.example"}}, false, false, "", "", ""},
		{"another scheme on the same host is dropped", url.Values{"return_to": {"http://brand.example/"}}, false, false, "", "", ""},
		{"javascript URLs are dropped", url.Values{"return_to": {"javascript:alert(1)"}}, false, false, "", "", ""},
		{"unknown fields are ignored", url.Values{"email": {"a@b"}}, false, false, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, p := ParseChoices(tt.form, site)
			if tt.problem != "" {
				if p == nil || p.Reason != tt.problem || p.Status != http.StatusBadRequest {
					t.Fatalf("problem = %+v, want %s", p, tt.problem)
				}
				return
			}
			if p != nil {
				t.Fatalf("refused: %+v", p)
			}
			if c.Follow != tt.follow || c.Tweet != tt.tweet || c.ReturnTo != tt.ret || c.UTM["utm_source"] != tt.utm {
				t.Fatalf("choices = %+v", c)
			}
		})
	}
}

func TestResultURL(t *testing.T) {
	site, _ := url.Parse("https://brand.example/landing?lang=en#top")
	got := ResultURL(site, url.Values{"result": {"fail"}, "type": {"twitter"}, "reason": {"x_unavailable"}})
	want := "https://brand.example/landing?lang=en&reason=x_unavailable&result=fail&type=twitter"
	if got != want {
		t.Fatalf("ResultURL = %s, want %s", got, want)
	}
	if site.RawQuery != "lang=en" {
		t.Fatal("ResultURL changed the configured site URL")
	}
}

func TestCookie(t *testing.T) {
	req := &events.APIGatewayV2HTTPRequest{Cookies: []string{"a=1", "tws_x=abc"}, Headers: map[string]string{"Cookie": "b=2; tws_y=def"}}
	if Cookie(req, "tws_x") != "abc" || Cookie(req, "tws_y") != "def" || Cookie(req, "nope") != "" {
		t.Fatal("cookies not found in both places")
	}
	set := BindingCookie("tws_x", "v", "/api/twitter-callback", 900e9, true)
	for _, want := range []string{"tws_x=v", "Path=/api/twitter-callback", "Max-Age=900", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %s", set, want)
		}
	}
	if clear := BindingCookie("tws_x", "", "/p", 0, false); !strings.Contains(clear, "Max-Age=0") || strings.Contains(clear, "Secure") {
		t.Errorf("clearing cookie = %q", clear)
	}
}

func TestWantsJSON(t *testing.T) {
	for accept, want := range map[string]bool{
		"application/json":                  true,
		"text/html, application/json;q=0.9": true,
		"text/html,application/xhtml+xml":   false,
		"":                                  false,
	} {
		if got := WantsJSON(&events.APIGatewayV2HTTPRequest{Headers: map[string]string{"accept": accept}}); got != want {
			t.Errorf("Accept %q: %v", accept, got)
		}
	}
}

func FuzzParseForm(f *testing.F) {
	for _, s := range []string{"follow=true", "follow=true&follow=false", "%zz", "return_to=%2F%2Fevil", "utm_source=" + strings.Repeat("a", 300), ""} {
		f.Add(s, true)
		f.Add(s, false)
	}
	site, _ := url.Parse("https://brand.example/")
	f.Fuzz(func(t *testing.T, body string, b64 bool) {
		req := formEvent(body, b64, formCT)
		form, p := ParseForm(req)
		if p != nil {
			if p.Status < 400 || p.Status > 499 || p.Message == "" {
				t.Fatalf("bad problem %+v", p)
			}
			return
		}
		c, p := ParseChoices(form, site)
		if p == nil && c.ReturnTo != "" && !strings.HasPrefix(c.ReturnTo, "https://brand.example/") {
			t.Fatalf("return_to escaped the site: %q", c.ReturnTo)
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"oauth_token=a&oauth_verifier=b", "denied=x", "a=1&a=2", "%", ";"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		_, p := ParseQuery(&events.APIGatewayV2HTTPRequest{RawQueryString: raw})
		if p != nil && (p.Status < 400 || p.Status > 499) {
			t.Fatalf("bad problem %+v", p)
		}
	})
}

// BenchmarkParseSignUp measures reading a sign-up POST as API Gateway
// delivers it: base64 body, form parsing, the choices.
func BenchmarkParseSignUp(b *testing.B) {
	req := formEvent("follow=true&tweet=true&utm_source=newsletter&utm_medium=email&utm_campaign=launch&return_to=%2Fthanks", true, formCT)
	site, _ := url.Parse("https://brand.example/")
	b.ReportAllocs()
	for b.Loop() {
		form, p := ParseForm(req)
		if p != nil {
			b.Fatal(p)
		}
		if _, p := ParseChoices(form, site); p != nil {
			b.Fatal(p)
		}
	}
}
