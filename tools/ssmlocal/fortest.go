package ssmlocal

import (
	"net/http/httptest"
	"testing"
)

// ForTest serves a fresh, empty parameter store on a loopback port for the
// length of the test and returns it with its URL (for AWS_ENDPOINT_URL_SSM).
func ForTest(t testing.TB) (*Server, string) {
	t.Helper()
	s := New()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}
