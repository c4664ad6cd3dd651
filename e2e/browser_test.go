package e2e

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium, which `make test` installs.
const chromiumPath = "/usr/bin/chromium"

// stepTimeout bounds one step of a test (a click and the pages it loads).
const stepTimeout = 20 * time.Second

// relayedWithin bounds what goes through the stream: the relay's poll, the
// actions function, and, when a parallel test signed the brand in later, the
// release of the held DM. Two JVMs and Chromium share the CI machine's cores.
const relayedWithin = 30 * time.Second

var screenshotsDir = flag.String("screenshots", "", "also write every step's screenshot to this folder (they go to e2e/screenshots/ when a test fails)")

// failedShotsDir is where the screenshots of a failed test go, relative to
// this package (go test runs in it). Git ignores it (e2e/.gitignore).
const failedShotsDir = "screenshots"

// browser is one headless chromium with a fresh profile (no cookies). It
// photographs every step into its album.
type browser struct {
	t     *testing.T
	ctx   context.Context
	album *album
}

// album keeps the screenshots of a browser's steps and its page's console
// errors, for the test's report.
type album struct {
	mu      sync.Mutex
	shots   []shot
	console syncBuffer
}

type shot struct {
	name string
	png  []byte
}

// with returns the browser reporting to t (a subtest).
func (b *browser) with(t *testing.T) *browser {
	return &browser{t: t, ctx: b.ctx, album: b.album}
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s not found: run make test (it installs chromium): %v", chromiumPath, err)
	}
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// Without these, chromium reaches for Google's hosts, which this
		// machine's closed network refuses.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	b := &browser{t: t, ctx: ctx, album: &album{}}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				b.album.console.WriteLine(fmt.Sprintf("%s: %s", m.Type, m.Text))
			}
		}
	}()
	// Registered after the browser's cleanup, so it runs first, while the
	// page is still there to be photographed.
	t.Cleanup(b.saveScreenshots)
	return b
}

// do runs one step, photographs the page and fails the test if the step
// failed. Steps wait (for an element, a page) up to stepTimeout.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.doWithin(stepTimeout, step, actions...)
}

func (b *browser) doWithin(d time.Duration, step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	err := chromedp.Do(ctx, actions...)
	b.screenshot(step)
	if err != nil {
		where, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.t.Fatalf("%s: %v (page %s)", step, err, where)
	}
}

// eval evaluates a JavaScript expression in the page, now (no waiting).
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// text is the text of the element css selects, "" when there is none.
func (b *browser) text(css string) string {
	b.t.Helper()
	return strings.TrimSpace(eval[string](b, fmt.Sprintf(`document.querySelector(%q)?.innerText ?? ""`, css)))
}

// attr is an attribute of the element css selects; ok is false when there
// is no such element or attribute.
func (b *browser) attr(css, name string) (value string, ok bool) {
	b.t.Helper()
	v := eval[[]string](b, fmt.Sprintf(`(e => e && e.hasAttribute(%q) ? [e.getAttribute(%q)] : [])(document.querySelector(%q))`, name, name, css))
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// prop is a property of the element css selects, such as an input's value.
func (b *browser) prop(css, name string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`String(document.querySelector(%q)?.[%q] ?? "")`, css, name))
}

func (b *browser) location() string {
	b.t.Helper()
	return eval[string](b, "location.href")
}

func (b *browser) screenshot(step string) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return // the page may be gone; the step's own error says why
	}
	b.album.mu.Lock()
	defer b.album.mu.Unlock()
	b.album.shots = append(b.album.shots, shot{name: step, png: png})
}

// saveScreenshots writes the steps' screenshots to e2e/screenshots/<test>/
// when the test failed, and to -screenshots DIR always.
func (b *browser) saveScreenshots() {
	failed := b.t.Failed()
	if failed {
		b.screenshot("at the failure")
		if c := b.album.console.String(); c != "" {
			b.t.Logf("the page's console:\n%s", c)
		}
	}
	var dirs []string
	if failed {
		dirs = append(dirs, failedShotsDir)
	}
	if *screenshotsDir != "" {
		dirs = append(dirs, *screenshotsDir)
	}
	b.album.mu.Lock()
	defer b.album.mu.Unlock()
	for _, root := range dirs {
		dir := filepath.Join(root, fileName(b.t.Name()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.t.Logf("screenshots: %v", err)
			continue
		}
		for i, s := range b.album.shots {
			name := filepath.Join(dir, fmt.Sprintf("%02d-%s.png", i+1, fileName(s.name)))
			if err := os.WriteFile(name, s.png, 0o644); err != nil {
				b.t.Logf("screenshots: %v", err)
			}
		}
		abs, _ := filepath.Abs(dir)
		b.t.Logf("screenshots of the steps: %s", abs)
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(s string) string {
	return strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// signUp is the visitor's plain path: open page, leave the choices as they
// are, click "Sign up with X", then on the sandbox's authorize page click
// account's button ("cancel" to cancel), and come back to the site. It
// returns the outcome the page shows.
func (b *browser) signUp(page, account string) string {
	b.t.Helper()
	b.do("open the landing page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("signin")))
	button := "authorize-" + account
	if account == "cancel" {
		button = "cancel"
	}
	b.do("click Sign up with X", chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID(button)))
	b.do("choose "+button+" at X", chromedp.Click(chromedp.ID(button)), chromedp.WaitVisible(chromedp.CSS("#result[data-result]")))
	result, _ := b.attr("#result", "data-result")
	return result
}

// TestBrowserSinglePageSignUpUsesJSONAndShowsSuccess runs the single-page
// variant on the API's own origin and on another origin of the same site
// (as deployed: the brand's page and execute-api). Across origins, spa.js's
// fetch must send and accept cookies (credentials: 'include') and the API
// must answer it with CORS headers for that origin; without either the
// binding cookie is dropped and X's callback ends in session_mismatch.
func TestBrowserSinglePageSignUpUsesJSONAndShowsSuccess(t *testing.T) {
	t.Parallel()
	s := theStack(t)
	tests := []struct {
		name string
		page *url.URL // where spa.html is served
	}{
		{"the page on the API's origin", s.site},
		{"the page on another origin of the same site", s.pages},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBrowser(t)
			spa := tt.page.JoinPath("spa.html").String()
			// bob's id is 2^53+1: it must survive the browser, the API and the store.
			if got := b.signUp(spa, "bob"); got != "success" {
				reason, _ := b.attr("#reason", "data-reason")
				t.Fatalf("the page shows result %q (reason %q), want success; tools/dev logged:\n%s", got, reason, s.logs(20))
			}
			// return_to brought the visitor back to the single-page variant,
			// on the site's origin (return_to may only name the site).
			back := s.site.JoinPath("spa.html").String()
			if loc := b.location(); !strings.HasPrefix(loc, back+"?") {
				t.Errorf("the browser ended on %s, want %s (return_to)", loc, back)
			}
			if title := b.text("#result h2"); !strings.Contains(title, "@bob") {
				t.Errorf("the result says %q, want it to name @bob", title)
			}
			u := storedUser(t, s, bobUID)
			if got := u.str("screen_name"); got != "bob" {
				t.Errorf("stored screen_name of uid %s = %q, want bob", bobUID, got)
			}
			// A plain sign-up, in JSON mode too, keeps no token.
			if held := heldCredentials(u); len(held) > 0 {
				t.Errorf("bob's plain sign-up stored the credential attributes %v, want none", held)
			}
			// The JSON mode was used: the sign-in started with "json":true in the function's log line.
			if !strings.Contains(s.out.String(), `"json":true`) {
				t.Errorf("no sign-in started in JSON mode in tools/dev's log:\n%s", s.logs(20))
			}
		})
	}
}

func TestBrowserSinglePageShowsARefusedForm(t *testing.T) {
	t.Parallel()
	s := theStack(t)
	b := newBrowser(t)

	b.do("open the single-page variant", chromedp.Navigate(s.site.JoinPath("spa.html").String()), chromedp.WaitVisible(chromedp.ID("signin")))
	// A page bug: a follow value the API refuses (400 {"error","reason":"bad_follow"}).
	b.do("break the follow value and submit",
		chromedp.SetAttributeValue(chromedp.ID("follow"), "value", "maybe"),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-result="fail"]`)))
	if reason, _ := b.attr("#reason", "data-reason"); reason != "bad_follow" {
		t.Errorf("the page shows reason %q, want bad_follow from the API's 400 answer", reason)
	}
	if detail := b.text("#result"); !strings.Contains(detail, "refused the form") {
		t.Errorf("the result says %q, want the server's refusal explained", detail)
	}
}

// TestBrowserResultViewExplainsEachOutcome loads the landing page as the
// callback leaves it, once per outcome.
func TestBrowserResultViewExplainsEachOutcome(t *testing.T) {
	t.Parallel()
	s := theStack(t)
	b := newBrowser(t)

	const generic = "Something went wrong and the sign-up didn’t finish."
	tests := []struct {
		name       string
		query      string
		wantResult string
		wantText   string // in #result
		wantFollow string // #follow-intent's href; "" when there must be none
	}{
		{"success names the visitor", "result=success&type=twitter&screen_name=alice", "success", "@alice", ""},
		{"success with follow=intent offers X's follow button", "result=success&type=twitter&screen_name=alice&follow=intent&follow_user_id=1900000000000000001", "success", "follow us", "https://x.com/intent/follow?user_id=1900000000000000001"},
		{"a follow_user_id that is not digits gets no button", "result=success&type=twitter&follow=intent&follow_user_id=1%22onclick%3D", "success", "You’re in!", ""},
		{"a screen_name that is not an X handle is not shown", "result=success&type=twitter&screen_name=%3Cimg%20src%3Dx%3E", "success", "You’re in!", ""},
		{"denied says the visitor cancelled", "result=denied&type=twitter", "denied", "cancelled at X", ""},
		{"session_not_found", "result=fail&type=twitter&reason=session_not_found", "fail", "already used", ""},
		{"session_expired", "result=fail&type=twitter&reason=session_expired", "fail", "15 minutes", ""},
		{"session_mismatch", "result=fail&type=twitter&reason=session_mismatch", "fail", "different browser", ""},
		{"bad_callback", "result=fail&type=twitter&reason=bad_callback", "fail", "incomplete answer", ""},
		{"store_unavailable", "result=fail&type=twitter&reason=store_unavailable", "fail", "couldn’t save", ""},
		{"x_unavailable", "result=fail&type=twitter&reason=x_unavailable", "fail", "isn’t answering", ""},
		{"x_timeout", "result=fail&type=twitter&reason=x_timeout", "fail", "too long", ""},
		{"x_rate_limited", "result=fail&type=twitter&reason=x_rate_limited", "fail", "too many sign-ins", ""},
		{"x_malformed", "result=fail&type=twitter&reason=x_malformed", "fail", "couldn’t read", ""},
		{"x_auth_failed", "result=fail&type=twitter&reason=x_auth_failed", "fail", "credentials", ""},
		{"x_bad_auth_data", "result=fail&type=twitter&reason=x_bad_auth_data", "fail", "rejected our sign-in request", ""},
		{"x_clock_skew", "result=fail&type=twitter&reason=x_clock_skew", "fail", "clock", ""},
		{"x_callback_not_approved", "result=fail&type=twitter&reason=x_callback_not_approved", "fail", "doesn’t yet allow this site", ""},
		{"x_app_not_web", "result=fail&type=twitter&reason=x_app_not_web", "fail", "isn’t set up for signing in on a website", ""},
		{"x_access_level", "result=fail&type=twitter&reason=x_access_level", "fail", "plan", ""},
		{"x_token_invalid", "result=fail&type=twitter&reason=x_token_invalid", "fail", "no longer accepts", ""},
		{"x_usage_capped", "result=fail&type=twitter&reason=x_usage_capped", "fail", "allowance", ""},
		{"internal", "result=fail&type=twitter&reason=internal", "fail", "on our side", ""},
		{"an unknown reason gets the generic message", "result=fail&type=twitter&reason=something_new", "fail", generic, ""},
		{"no reason gets the generic message", "result=fail&type=twitter", "fail", generic, ""},
		{"an unknown result is shown as a failure", "result=maybe&type=twitter", "fail", generic, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := b.with(t)
			b.do("open "+tt.query, chromedp.Navigate(s.site.String()+"?"+tt.query), chromedp.WaitVisible(chromedp.CSS("#result[data-result]")))
			if got, _ := b.attr("#result", "data-result"); got != tt.wantResult {
				t.Errorf("data-result = %q, want %q", got, tt.wantResult)
			}
			if got := b.text("#result"); !strings.Contains(strings.ToLower(got), strings.ToLower(tt.wantText)) {
				t.Errorf("the result says %q, want it to contain %q", got, tt.wantText)
			}
			if tt.wantResult == "fail" && tt.wantText != generic && strings.Contains(b.text("#reason"), generic) {
				t.Errorf("reason %s gets the generic message", tt.name)
			}
			href, exists := b.attr("#follow-intent", "href")
			if tt.wantFollow == "" && exists {
				t.Errorf("a follow button to %q is shown, want none", href)
			}
			if tt.wantFollow != "" && href != tt.wantFollow {
				t.Errorf("the follow button goes to %q, want %q", href, tt.wantFollow)
			}
		})
	}
}
