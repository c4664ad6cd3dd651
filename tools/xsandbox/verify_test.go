package xsandbox

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestRequestURLIsWhatTheClientSigned(t *testing.T) {
	tests := []struct {
		name   string
		host   string
		tls    bool
		header string // X-Forwarded-Proto
		want   string
	}{
		{"a plain request is http on the Host header", "127.0.0.1:8090", false, "", "http://127.0.0.1:8090/2/users/me"},
		{"a TLS connection is https", "api.x.com", true, "", "https://api.x.com/2/users/me"},
		{"behind a proxy X-Forwarded-Proto names the scheme", "sandbox.example", false, "https", "https://sandbox.example/2/users/me"},
		{"only the first X-Forwarded-Proto counts", "sandbox.example", false, "HTTPS, http", "https://sandbox.example/2/users/me"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/2/users/me?x=1", nil)
			r.Host = tt.host
			r.TLS = nil
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tt.header != "" {
				r.Header.Set("X-Forwarded-Proto", tt.header)
			}
			if got := requestURL(r); got != tt.want {
				t.Errorf("requestURL = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestASignatureForThePublicURLVerifiesBehindAProxy(t *testing.T) {
	h := newHarness(t)
	server, err := url.Parse(h.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The client signs https://x-sandbox.example/2/users/me; a TLS-terminating
	// proxy forwards it to the sandbox keeping the Host header.
	s := h.userSigner(aliceID)
	r, err := http.NewRequest("GET", "https://x-sandbox.example/2/users/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	s.sign(r, nil, nil)
	r.URL.Scheme, r.URL.Host = server.Scheme, server.Host
	r.Host = "x-sandbox.example"
	r.Header.Set("X-Forwarded-Proto", "https")
	resp, err := send(r)
	if err != nil {
		t.Fatal(err)
	}
	if resp.status != http.StatusOK {
		t.Errorf("got %d %s; recorded %q", resp.status, resp.body, h.lastCall().Error)
	}
}

func TestABodyOverOneMebibyteIsRefused(t *testing.T) {
	h := newHarness(t)
	big := `{"text":"` + strings.Repeat("a", maxBodyBytes) + `"}`
	resp := h.do(h.userSigner(aliceID), request{method: "POST", path: "/2/tweets", json: big})
	if resp.status != http.StatusRequestEntityTooLarge {
		t.Errorf("got %d", resp.status)
	}
	if c := h.lastCall(); c.Status != http.StatusRequestEntityTooLarge || c.Error == "" {
		t.Errorf("recorded %+v", c)
	}
}
