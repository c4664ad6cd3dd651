package e2e

import (
	"net/url"
	"strings"
	"sync"
	"testing"
)

// The sign-in protocols (SIGNIN_PROTOCOL, make dev's -protocol).
const (
	oauth2 = "oauth2" // the local stage's default
	oauth1 = "oauth1"
)

// protocols are the sign-in protocols that tests run under, in the order of
// their subtests.
var protocols = []string{oauth2, oauth1}

// sharedStack is one protocol's dev stack, started once by the first test
// that needs it.
type sharedStack struct {
	flags []string // tools/dev's
	once  sync.Once
	s     *devStack
	err   error
}

// stacks are the shared stacks: the default one is tools/dev without
// -protocol, as `make dev` runs it (the local stage's oauth2).
var stacks = map[string]*sharedStack{
	oauth2: {},
	oauth1: {flags: []string{"-protocol=" + oauth1}},
}

// theStack returns the dev stack of this test binary as `make dev` runs it
// (OAuth 2.0), started by the first test that needs it and stopped by
// TestMain.
func theStack(t *testing.T) *devStack {
	t.Helper()
	return stackFor(t, oauth2)
}

// stackFor returns the shared dev stack whose visitors sign in with
// protocol, started by the first test that needs it and stopped by TestMain.
func stackFor(t *testing.T, protocol string) *devStack {
	t.Helper()
	st, ok := stacks[protocol]
	if !ok {
		t.Fatalf("no dev stack for the sign-in protocol %q", protocol)
	}
	st.once.Do(func() {
		st.s, st.err = startStackRetrying(st.flags...)
	})
	if st.err != nil {
		t.Fatalf("starting the %s dev stack (tools/dev %s): %v", protocol, strings.Join(st.flags, " "), st.err)
	}
	return st.s
}

// protocolOf is the sign-in protocol tools/dev runs with these flags.
func protocolOf(flags []string) string {
	for _, f := range flags {
		if p, ok := strings.CutPrefix(f, "-protocol="); ok {
			return p
		}
	}
	return oauth2
}

// authorizePage is the X sandbox's OAuth 2.0 consent page
// (TWITTER_AUTHORIZE_URL).
func (s *devStack) authorizePage() *url.URL { return s.sandbox.JoinPath("i/oauth2/authorize") }

// signInPage is where generate_session sends the browser: the sandbox's
// page of the stack's protocol, up to its query string.
func (s *devStack) signInPage() string {
	if s.protocol == oauth1 {
		return s.sandbox.JoinPath("oauth/authenticate").String() + "?oauth_token="
	}
	return s.authorizePage().String() + "?"
}
