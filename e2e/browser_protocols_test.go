package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// consent is what a sign-in asks X for, as the sandbox's consent page shows
// it: the OAuth 2.0 scopes (sorted), or the OAuth 1.0a access level
// (x_auth_access_type; the app's own level when the request names none).
type consent struct {
	scopes []string
	level  xsandbox.AccessLevel
}

// The consent of each kind of sign-in on the local stage (FOLLOW_MODE=intent,
// so a ticked follow needs nothing of the visitor's token).
var (
	// plainSignUp is a visitor whose sign-up does nothing with their token
	// ("Follow us" ticked or not, the opt-in post unticked): who they are.
	plainSignUp = consent{scopes: []string{"tweet.read", "users.read"}, level: xsandbox.LevelRead}
	// postSignUp is a visitor who ticked the opt-in post: and posting.
	postSignUp = consent{scopes: []string{"tweet.read", "tweet.write", "users.read"}, level: xsandbox.LevelWrite}
	// brandStart is the brand's own start (site/brand.html): its Direct
	// Messages, for as long as the app stays connected (offline.access);
	// over OAuth 1.0a, the app's own level, the only one with DMs.
	brandStart = consent{scopes: []string{"dm.read", "dm.write", "offline.access", "tweet.read", "users.read"}, level: xsandbox.LevelDM}
)

// credentialAttrs are every attribute of a user item that holds or describes
// their credentials. A visitor's item holds none once their sign-up's work is
// done, and a plain sign-up's never.
var credentialAttrs = []string{"token", "secret", "refresh", "cred", "token_expires_at", "cred_at", "refresh_lease", "reconnect", "reconnect_at"}

// heldCredentials lists the credential attributes that u holds.
func heldCredentials(u userItem) []string {
	var held []string
	for _, a := range credentialAttrs {
		if _, ok := u[a]; ok {
			held = append(held, a)
		}
	}
	return held
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
// own, and what it says the app asks for, as want. It returns the page's
// lines about it ("<scope> <words>" per OAuth 2.0 scope, the OAuth 1.0a
// level's permissions), which the test logs.
func (b *browser) consentPage(s *devStack, want consent) []string {
	b.t.Helper()
	if loc := b.location(); !strings.HasPrefix(loc, s.signInPage()) {
		b.t.Errorf("the sign-in went to %s, want the sandbox's %s page %s...", loc, s.protocol, s.signInPage())
	}
	var lines []string
	if s.protocol == oauth2 {
		lines = eval[[]string](b, `Array.from(document.querySelectorAll("#scopes li"), li => li.innerText.trim())`)
		scopes := eval[[]string](b, `Array.from(document.querySelectorAll("#scopes li code"), c => c.innerText.trim())`)
		slices.Sort(scopes)
		if !slices.Equal(scopes, want.scopes) {
			b.t.Errorf("the consent page asks for the scopes %q, want %q; it says:\n%s", scopes, want.scopes, strings.Join(lines, "\n"))
		}
		// Each scope is also said in words, as X's page does.
		if n := eval[int](b, `Array.from(document.querySelectorAll("#scopes li")).filter(li => !li.querySelector(".scope-description")?.innerText.trim()).length`); n > 0 {
			b.t.Errorf("%d of the consent page's scopes are not said in words:\n%s", n, strings.Join(lines, "\n"))
		}
	} else {
		level, _ := b.attr("#permissions", "data-level")
		perms := eval[[]string](b, `Array.from(document.querySelectorAll("#permissions li"), li => li.innerText.trim())`)
		lines = append(lines, perms...)
		if limits := b.text("#limits"); limits != "" {
			lines = append(lines, limits)
		}
		if level != string(want.level) {
			b.t.Errorf("the authorize page asks for the access level %q, want %q; it says:\n%s", level, want.level, strings.Join(lines, "\n"))
		}
		if wantPerms := xsandbox.LevelPermissions(want.level); !slices.Equal(perms, wantPerms) {
			b.t.Errorf("the authorize page says the app will be able to %q, want %q (level %s)", perms, wantPerms, want.level)
		}
	}
	b.t.Logf("the %s consent page at X lists: %s", s.protocol, strings.Join(lines, " | "))
	return lines
}

// connectBrand is the operator's path to connect the brand account, the
// sender of the welcome DMs: site/brand.html, "Connect the brand account with
// X", the brand's consent at X (its DMs), and back with brand=connected. The
// brand's item then holds its sealed grant.
func (b *browser) connectBrand(s *devStack) {
	b.t.Helper()
	b.do("open the brand's page", chromedp.Navigate(s.site.JoinPath("brand.html").String()), chromedp.WaitVisible(chromedp.ID("signin")))
	if label := b.text("#signin"); label != "Connect the brand account with X" {
		b.t.Errorf("the brand's page's button says %q, want %q", label, "Connect the brand account with X")
	}
	b.do("click Connect the brand account with X", chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("authorize-brand")))
	b.consentPage(s, brandStart)
	b.do("choose authorize-brand at X", chromedp.Click(chromedp.ID("authorize-brand")), chromedp.WaitVisible(chromedp.CSS("#result[data-result]")))
	if got, _ := b.attr("#result", "data-result"); got != "success" {
		reason, _ := b.attr("#reason", "data-reason")
		b.t.Fatalf("the brand's start shows result %q (reason %q), want success; tools/dev logged:\n%s", got, reason, s.logs(20))
	}
	loc, err := url.Parse(b.location())
	if err != nil || loc.Query().Get("brand") != "connected" {
		b.t.Fatalf("the brand's start ended on %s, want result=success&brand=connected", b.location())
	}
	if title := b.text("#result h2"); title != "@brand is connected as the brand" {
		b.t.Errorf("the result says %q, want %q", title, "@brand is connected as the brand")
	}
	u := storedUser(b.t, s, brandUID)
	if !u.boolean("brand") || u.str("cred") != s.protocol || !strings.HasPrefix(u.str("token"), "v1.") {
		b.t.Fatalf("the brand's item holds brand=%v cred=%q and a token %.5q...: want the sender's sealed %s grant",
			u.boolean("brand"), u.str("cred"), u.str("token"), s.protocol)
	}
}

// grantsOf are the grants the sandbox issued to user uid, oldest first
// (GET /_sandbox/grants).
func grantsOf(t *testing.T, s *devStack, uid string) []xsandbox.Grant {
	t.Helper()
	resp, err := http.Get(s.sandbox.JoinPath("_sandbox/grants").String() + "?user_id=" + url.QueryEscape(uid))
	if err != nil {
		t.Fatalf("reading the sandbox's grants: %v", err)
	}
	defer resp.Body.Close()
	var grants []xsandbox.Grant
	if err := json.NewDecoder(resp.Body).Decode(&grants); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("reading the sandbox's grants: %d %v", resp.StatusCode, err)
	}
	return grants
}

// lastGrant is the newest grant of user uid, polled until done says so or
// within passes.
func lastGrant(t *testing.T, s *devStack, uid string, within time.Duration, done func(xsandbox.Grant) bool) xsandbox.Grant {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		grants := grantsOf(t, s, uid)
		if len(grants) == 0 {
			t.Fatalf("the sandbox lists no grant of %s", uid)
		}
		g := grants[len(grants)-1]
		if done(g) || time.Now().After(deadline) {
			return g
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// grants tells whether g is what c asks for: its scopes or its level.
func (c consent) grants(g xsandbox.Grant) bool {
	if g.Protocol == xsandbox.ProtocolOAuth2 {
		return slices.Equal(g.Scopes(), c.scopes)
	}
	return g.Level == c.level
}

func (c consent) String() string {
	return fmt.Sprintf("scopes %q or level %q", c.scopes, c.level)
}

// TestBrowserPlainSignUpAsksForTheLeastAndKeepsNoToken walks a plain sign-up
// ("Follow us" ticked, as by default, under the local stage's
// FOLLOW_MODE=intent; the opt-in post unticked): nothing in it needs the
// visitor's token. X's consent page asks only to see who they are, and the
// stored user holds who they are and their choices, but no credential.
func TestBrowserPlainSignUpAsksForTheLeastAndKeepsNoToken(t *testing.T) {
	t.Parallel()
	eachProtocol(t, func(t *testing.T, s *devStack) {
		b := newBrowser(t)
		page := s.site.String() + "?utm_source=e2e&utm_campaign=browser-test"
		b.do("open the landing page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("signup")))
		if v := b.prop(`input[name="utm_source"]`, "value"); v != "e2e" {
			t.Errorf("the hidden utm_source field holds %q, want e2e (from the page's query string)", v)
		}
		if b.prop("#follow", "checked") != "true" || b.prop("#tweet", "checked") != "false" {
			t.Errorf("follow checked=%s, opt-in post checked=%s; want follow ticked and the post unticked by default",
				b.prop("#follow", "checked"), b.prop("#tweet", "checked"))
		}
		b.do("click Sign up with X", chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("authorize-alice")))
		b.consentPage(s, plainSignUp)
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
		if held := heldCredentials(u); len(held) > 0 {
			t.Errorf("a plain sign-up stored the credential attributes %v, want none", held)
		}
		if got := u.str("screen_name"); got != "alice" {
			t.Errorf("stored screen_name = %q, want alice", got)
		}
		if !u.boolean("follow") || u.boolean("tweet") {
			t.Errorf("stored follow=%v tweet=%v, want follow only (as ticked)", u.boolean("follow"), u.boolean("tweet"))
		}
		if got := u.mapStr("attribution", "utm_source"); got != "e2e" {
			t.Errorf("stored attribution.utm_source = %q, want e2e", got)
		}
		// What X granted is what its page showed; nobody kept it to revoke
		// (an OAuth 2.0 access token dies by itself within two hours).
		if g := lastGrant(t, s, aliceUID, 0, func(xsandbox.Grant) bool { return true }); !plainSignUp.grants(g) || g.Revoked {
			t.Errorf("alice's grant at X is %+v, want %s, not revoked", g, plainSignUp)
		}
	})
}

func TestBrowserCancelAtXShowsDenied(t *testing.T) {
	t.Parallel()
	eachProtocol(t, func(t *testing.T, s *devStack) {
		b := newBrowser(t)
		if got := b.signUp(s.site.String(), "cancel"); got != "denied" {
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

// daveUID is the sandbox's @dave (protected, which only matters to who
// follows him). He signs up with the opt-in post, alone among these tests,
// so that his token's short life is not another test's sign-in.
const daveUID = "1500000000000000004"

// TestBrowserSignUpWithThePostSendsTheWelcomeDMThenForgetsTheToken: the
// brand connects through its own page; a visitor ticks the opt-in post, so
// X is asked for tweet.write too. The brand's grant sends the welcome DM,
// the visitor's token posts; once the post is done, the visitor's item holds
// no credential and the app has revoked that grant at X.
func TestBrowserSignUpWithThePostSendsTheWelcomeDMThenForgetsTheToken(t *testing.T) {
	t.Parallel()
	eachProtocol(t, func(t *testing.T, s *devStack) {
		b := newBrowser(t)
		// The brand account sends the welcome DMs: it connects through its own page first.
		b.connectBrand(s)

		b.do("open the landing page", chromedp.Navigate(s.site.String()), chromedp.WaitVisible(chromedp.ID("signin")))
		b.do("tick the tweet opt-in", chromedp.Click(chromedp.ID("tweet")))
		b.do("click Sign up with X", chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("authorize-dave")))
		b.consentPage(s, postSignUp)
		b.do("choose authorize-dave at X", chromedp.Click(chromedp.ID("authorize-dave")), chromedp.WaitVisible(chromedp.CSS("#result[data-result]")))
		if got, _ := b.attr("#result", "data-result"); got != "success" {
			t.Fatalf("dave's sign-in shows %q, want success; tools/dev logged:\n%s", got, s.logs(20))
		}
		// The post may be done and the token gone already; until then, it is sealed.
		if u := storedUser(t, s, daveUID); u.str("token") != "" && (!strings.HasPrefix(u.str("token"), "v1.") || u.str("cred") != s.protocol) {
			t.Errorf("dave's item holds a token %.5q... of kind %q, want a sealed (v1.) %s token", u.str("token"), u.str("cred"), s.protocol)
		}

		t.Run("the sandbox receives the brand's DM to dave", func(t *testing.T) {
			st := waitForSandbox(t, s, relayedWithin, func(st sandboxState) bool { return st.hasDM(brandUID, daveUID) })
			if !st.hasDM(brandUID, daveUID) {
				t.Fatalf("no DM from the brand to dave on the sandbox within %s (is twitter_actions wired to the stream in tools/dev?); DMs: %+v; tools/dev logged:\n%s", relayedWithin, st.DMs, s.logs(30))
			}
		})
		t.Run("the sandbox shows dave's opt-in post", func(t *testing.T) {
			st := waitForSandbox(t, s, relayedWithin, func(st sandboxState) bool { return st.hasTweetBy(daveUID) })
			if !st.hasTweetBy(daveUID) {
				t.Fatalf("no post by dave on the sandbox within %s; posts: %+v", relayedWithin, st.Tweets)
			}
		})
		t.Run("dave's item records both actions done", func(t *testing.T) {
			for _, action := range []string{"a_welcome", "a_tweet"} {
				u := waitForUser(t, s, daveUID, relayedWithin, func(u userItem) bool { return u.mapStr(action, "state") == "done" })
				if got := u.mapStr(action, "state"); got != "done" {
					t.Errorf("%s is %q (reason %q), want done; tools/dev logged:\n%s", action, got, u.mapStr(action, "reason"), s.logs(30))
				}
			}
		})
		t.Run("once the post is done, dave's item holds no credential and his grant is revoked by the app", func(t *testing.T) {
			u := waitForUser(t, s, daveUID, relayedWithin, func(u userItem) bool {
				return u.mapStr("a_tweet", "state") == "done" && len(heldCredentials(u)) == 0
			})
			if held := heldCredentials(u); len(held) > 0 || u.mapStr("a_tweet", "state") != "done" {
				t.Errorf("dave's item holds %v with a_tweet %q, want no credential once the post is done; tools/dev logged:\n%s",
					held, u.mapStr("a_tweet", "state"), s.logs(30))
			}
			if !u.boolean("tweet") || u.str("screen_name") != "dave" {
				t.Errorf("dave's item lost who he is or his choice: screen_name %q, tweet %v", u.str("screen_name"), u.boolean("tweet"))
			}
			g := lastGrant(t, s, daveUID, relayedWithin, func(g xsandbox.Grant) bool { return g.Revoked })
			if !postSignUp.grants(g) || !g.Revoked || g.RevokedBy != xsandbox.RevokedByApp {
				t.Errorf("dave's grant at X is %+v, want %s, revoked by the app", g, postSignUp)
			}
		})
		t.Run("the brand's grant stays", func(t *testing.T) {
			if u := storedUser(t, s, brandUID); !u.boolean("brand") || u.str("cred") != s.protocol || u.str("token") == "" {
				t.Errorf("the brand's item holds brand=%v cred=%q token set=%v, want its grant kept", u.boolean("brand"), u.str("cred"), u.str("token") != "")
			}
		})
		t.Run("the landing page's X panel lists the DM", func(t *testing.T) {
			// Needs GET /_dev/x/state in tools/dev (a same-origin view of the sandbox's state).
			b.with(t).doWithin(relayedWithin, "wait for the DM in the page's X panel",
				chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#x-dms li[data-recipient-id="%s"]`, daveUID))))
		})
	})
}
