package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// theLocalScopes are the scopes an OAuth 2.0 sign-in on the local stage asks
// for: reading the visitor and keeping access (offline.access: a refresh
// token), the brand's DMs, and the opt-in post; no follows.write, as the
// local stage's FOLLOW_MODE is intent.
var theLocalScopes = []string{"dm.read", "dm.write", "offline.access", "tweet.read", "tweet.write", "users.read"}

// storedCredentials is what a sign-in of each protocol leaves on the user's
// item: the kind, and which sealed tokens.
var storedCredentials = map[string]struct {
	sealed, absent []string
}{
	oauth2: {sealed: []string{"token", "refresh"}, absent: []string{"secret"}},
	oauth1: {sealed: []string{"token", "secret"}, absent: []string{"refresh", "token_expires_at"}},
}

// eachProtocol runs test once per sign-in protocol, in parallel subtests,
// each on that protocol's dev stack.
func eachProtocol(t *testing.T, test func(t *testing.T, s *devStack)) {
	t.Helper()
	for _, p := range protocols {
		t.Run("over "+p, func(t *testing.T) {
			t.Parallel()
			test(t, stackFor(t, p))
		})
	}
}

// consentPage checks the sandbox's page the browser is on: the protocol's
// own, and for OAuth 2.0 the scopes the stage asks for.
func (b *browser) consentPage(s *devStack) {
	b.t.Helper()
	if loc := b.location(); !strings.HasPrefix(loc, s.signInPage()) {
		b.t.Errorf("the sign-in went to %s, want the sandbox's %s page %s...", loc, s.protocol, s.signInPage())
	}
	if s.protocol != oauth2 {
		return
	}
	scopes := strings.Fields(b.text("#scopes"))
	slices.Sort(scopes)
	if !slices.Equal(scopes, theLocalScopes) {
		b.t.Errorf("the consent page asks for the scopes %v, want %v", scopes, theLocalScopes)
	}
}

func TestBrowserSignUpShowsSuccessAndStoresTheUserWithSealedTokens(t *testing.T) {
	t.Parallel()
	eachProtocol(t, func(t *testing.T, s *devStack) {
		b := newBrowser(t)
		page := s.site.String() + "?utm_source=e2e&utm_campaign=browser-test"
		b.do("open the landing page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("signup")))
		if v := b.prop(`input[name="utm_source"]`, "value"); v != "e2e" {
			t.Errorf("the hidden utm_source field holds %q, want e2e (from the page's query string)", v)
		}
		if b.prop("#follow", "checked") != "true" {
			t.Error("the follow checkbox is not ticked by default")
		}
		b.do("tick the tweet opt-in", chromedp.Click(chromedp.ID("tweet")))
		b.do("click Sign up with X", chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("authorize-alice")))
		b.consentPage(s)
		b.do("choose authorize-alice at X", chromedp.Click(chromedp.ID("authorize-alice")), chromedp.WaitVisible(chromedp.CSS("#result[data-result]")))
		if got, _ := b.attr("#result", "data-result"); got != "success" {
			t.Fatalf("the page shows result %q, want success; tools/dev logged:\n%s", got, s.logs(20))
		}
		if !strings.HasPrefix(b.location(), s.site.String()) {
			t.Errorf("the browser ended on %s, want the landing page %s", b.location(), s.site)
		}
		if title := b.text("#result h2"); !strings.Contains(title, "@alice") {
			t.Errorf("the result says %q, want it to name @alice", title)
		}
		// FOLLOW_MODE=intent (the local stage's default): a button to X's follow intent for the brand.
		if href, _ := b.attr("#follow-intent", "href"); href != "https://x.com/intent/follow?user_id="+brandUID {
			t.Errorf("the follow button goes to %q, want X's follow intent for the brand %s", href, brandUID)
		}
		if _, hidden := b.attr("#signup-card", "hidden"); !hidden {
			t.Errorf("the sign-up form is still shown after a success")
		}

		u := storedUser(t, s, aliceUID)
		if got := u.str("cred"); got != s.protocol {
			t.Errorf("the stored credentials' kind (cred) is %q, want %q", got, s.protocol)
		}
		want := storedCredentials[s.protocol]
		for _, attr := range want.sealed {
			if v := u.str(attr); !strings.HasPrefix(v, "v1.") {
				t.Errorf("the stored %s is %.12q..., want a sealed value (v1.)", attr, v)
			}
		}
		for _, attr := range want.absent {
			if _, ok := u[attr]; ok {
				t.Errorf("an %s sign-in stored %s", s.protocol, attr)
			}
		}
		if s.protocol == oauth2 {
			// X's access tokens live 2 hours; the refresh comes before.
			exp, err := time.Parse(time.RFC3339, u.str("token_expires_at"))
			if err != nil || exp.Before(time.Now().Add(90*time.Minute)) || exp.After(time.Now().Add(2*time.Hour+time.Minute)) {
				t.Errorf("token_expires_at = %q (%v), want about 2 hours from now", u.str("token_expires_at"), err)
			}
		}
		if got := u.str("screen_name"); got != "alice" {
			t.Errorf("stored screen_name = %q, want alice", got)
		}
		if !u.boolean("follow") || !u.boolean("tweet") {
			t.Errorf("stored follow=%v tweet=%v, want both true (as ticked)", u.boolean("follow"), u.boolean("tweet"))
		}
		if got := u.mapStr("attribution", "utm_source"); got != "e2e" {
			t.Errorf("stored attribution.utm_source = %q, want e2e", got)
		}
	})
}

func TestBrowserCancelAtXShowsDenied(t *testing.T) {
	t.Parallel()
	eachProtocol(t, func(t *testing.T, s *devStack) {
		b := newBrowser(t)
		if got := b.signUp(s.site.String(), false, "cancel"); got != "denied" {
			t.Fatalf("the page shows result %q, want denied; tools/dev logged:\n%s", got, s.logs(20))
		}
		if title := b.text("#result h2"); !strings.Contains(title, "cancelled") {
			t.Errorf("the result says %q, want it to say the visitor cancelled", title)
		}
		if label := b.text("#signin"); label != "Try again with X" {
			t.Errorf("the button says %q after a cancel, want %q", label, "Try again with X")
		}
	})
}

func TestBrowserSignUpSendsTheWelcomeDM(t *testing.T) {
	t.Parallel()
	eachProtocol(t, func(t *testing.T, s *devStack) {
		b := newBrowser(t)
		// The brand account sends the welcome DMs: it signs in through the same page first.
		if got := b.signUp(s.site.String(), false, "brand"); got != "success" {
			t.Fatalf("the brand's sign-in shows %q, want success; tools/dev logged:\n%s", got, s.logs(20))
		}
		if got := b.signUp(s.site.String(), true, "alice"); got != "success" {
			t.Fatalf("alice's sign-in shows %q, want success; tools/dev logged:\n%s", got, s.logs(20))
		}

		t.Run("the sandbox receives the brand's DM to alice", func(t *testing.T) {
			st := waitForSandbox(t, s, relayedWithin, func(st sandboxState) bool {
				return st.hasDM(brandUID, aliceUID)
			})
			if !st.hasDM(brandUID, aliceUID) {
				t.Fatalf("no DM from the brand to alice on the sandbox within %s (is twitter_actions wired to the stream in tools/dev?); DMs: %+v; tools/dev logged:\n%s", relayedWithin, st.DMs, s.logs(30))
			}
		})
		t.Run("the sandbox shows alice's opt-in post", func(t *testing.T) {
			st := waitForSandbox(t, s, relayedWithin, func(st sandboxState) bool { return st.hasTweetBy(aliceUID) })
			if !st.hasTweetBy(aliceUID) {
				t.Fatalf("no post by alice on the sandbox within %s; posts: %+v", relayedWithin, st.Tweets)
			}
		})
		t.Run("alice's item records both actions done", func(t *testing.T) {
			for _, action := range []string{"a_welcome", "a_tweet"} {
				u := waitForUser(t, s, aliceUID, relayedWithin, func(u userItem) bool { return u.mapStr(action, "state") == "done" })
				if got := u.mapStr(action, "state"); got != "done" {
					t.Errorf("%s is %q (reason %q), want done; tools/dev logged:\n%s", action, got, u.mapStr(action, "reason"), s.logs(30))
				}
			}
		})
		t.Run("the landing page's X panel lists the DM", func(t *testing.T) {
			// Needs GET /_dev/x/state in tools/dev (a same-origin view of the sandbox's state).
			b.with(t).doWithin(relayedWithin, "wait for the DM in the page's X panel",
				chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#x-dms li[data-recipient-id="%s"]`, aliceUID))))
		})
	})
}
