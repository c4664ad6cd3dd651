package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// docsShotsEnv names the folder that TestBrowserWalkThroughOfTheREADME writes
// the README's pictures to (`make screenshots` sets it to docs/), when the
// walk-through passed. A relative path is taken from the repository's root.
// Unset, the pictures stay in a temporary folder: the test still takes them,
// so that `make test` keeps the walk-through and its pictures working.
const docsShotsEnv = "DOCS_SCREENSHOTS_DIR"

// The README's pictures, one per step of its walk-through.
const (
	docsLanding   = "1-landing-page.png"
	docsAuthorize = "2-sandbox-authorize.png"
	docsSuccess   = "3-success.png"
	docsXPanel    = "4-success-with-x-panel.png"
)

// docsClock is what the X panel's times show in the README's pictures: the
// real ones (the sandbox's clock) would change the picture on every run.
const docsClock = "12:00:00 PM"

// TestBrowserWalkThroughOfTheREADME is the README's walk-through, step by
// step, in a browser 1280 pixels wide, and takes its four pictures:
//
//  1. the landing page: "Follow us" ticked, the opt-in post unticked;
//  2. after "Sign up with X" (a plain sign-up: nothing ticked needs the
//     visitor's token), the sandbox's consent page listing the only scopes
//     asked for, users.read and tweet.read, in words, with its test accounts
//     and Cancel;
//  3. back on the landing page: "You're in, @alice!" and the "Follow us on X"
//     button (FOLLOW_MODE=intent, the local stage's);
//  4. the same page once the stream relay ran twitter_actions: the local panel
//     lists the brand's welcome DM to alice, with its unsubscribe link, and no
//     post (the opt-in post was unticked).
//
// The brand account connects first, through its own page (site/brand.html,
// in a browser of its own): it sends the welcome DMs. Pictures 1 and 3 show the page as a visitor sees it, so the
// local panel under the form (site/dev-panel.js, `make dev` only) is hidden in
// them; picture 4 is about that panel. So that a run gives the same pictures
// as the last one, the pictures show the ports of `make dev` (8080 for the
// site, 8090 for the sandbox) instead of the e2e stack's random ones, and the
// panel's times read docsClock.
//
// With DOCS_SCREENSHOTS_DIR set (`make screenshots`), the test insists on a
// stack where nothing else happened: the panel must list exactly one DM. Run it alone (go test -run TestBrowserWalkThroughOfTheREADME).
func TestBrowserWalkThroughOfTheREADME(t *testing.T) {
	t.Parallel()
	s := theStack(t)
	dir, forDocs := docsShotsDir(t, s.root)
	shots := docShots{
		dir: t.TempDir(), // published to dir when all four are taken
		ports: map[string]string{
			s.site.Port():    readmeSitePort,
			s.sandbox.Port(): readmeSandboxPort,
			portOf(s.dynamo): readmeDynamoPort,
		},
	}

	t.Run("the brand connects first", func(t *testing.T) {
		newBrowser(t).connectBrand(s)
	})
	if t.Failed() {
		t.FailNow()
	}

	b := newBrowser(t)

	// 1. The landing page.
	b.do("open the landing page", chromedp.Navigate(s.site.String()), chromedp.WaitVisible(chromedp.ID("signin")))
	if b.prop("#follow", "checked") != "true" || b.prop("#tweet", "checked") != "false" {
		t.Errorf("follow checked=%s, opt-in post checked=%s; the README says: Follow us ticked, the opt-in post unticked",
			b.prop("#follow", "checked"), b.prop("#tweet", "checked"))
	}
	if label := b.text("#signin"); label != "Sign up with X" {
		t.Errorf("the button says %q, the README says %q", label, "Sign up with X")
	}
	shots.take(b, docsLanding)

	// 2. The sandbox's consent page: the scopes of a plain sign-up.
	b.do("click Sign up with X", chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("authorize-alice")))
	b.consentPage(s, plainSignUp)
	if page := b.text("body"); !strings.Contains(page, "Authorize as @alice") || !strings.Contains(page, "Cancel") {
		t.Errorf("the sandbox's page has no %q or Cancel:\n%s", "Authorize as @alice", page)
	}
	shots.take(b, docsAuthorize)

	// 3. Back on the landing page: signed in.
	b.do("choose alice at X", chromedp.Click(chromedp.ID("authorize-alice")), chromedp.WaitVisible(chromedp.CSS("#result[data-result]")))
	if got, _ := b.attr("#result", "data-result"); got != "success" {
		t.Fatalf("the page shows result %q, want success; tools/dev logged:\n%s", got, s.logs(20))
	}
	if title := b.text("#result h2"); !strings.Contains(title, "@alice") {
		t.Errorf("the result says %q, want it to name @alice", title)
	}
	if label := b.text("#follow-intent"); label != "Follow us on X" {
		t.Errorf("the follow button says %q, the README says %q (FOLLOW_MODE=intent)", label, "Follow us on X")
	}
	if held := heldCredentials(storedUser(t, s, aliceUID)); len(held) > 0 {
		t.Errorf("alice's plain sign-up stored the credential attributes %v, want none", held)
	}
	shots.take(b, docsSuccess)

	// 4. The local panel: the welcome DM, and no post.
	shots.showPanel(b, true)
	dm := fmt.Sprintf(`#x-dms li[data-recipient-id="%s"]`, aliceUID)
	b.doWithin(relayedWithin, "wait for the welcome DM in the page's X panel", chromedp.WaitVisible(chromedp.CSS(dm)))
	// (The page's text has make dev's ports from the first picture on: the
	// sandbox tells what was sent.)
	if text := b.text(dm); !strings.HasPrefix(text, "@brand → @alice: ") || !strings.Contains(text, "Stop these messages: ") {
		t.Errorf("the panel's DM says %q, want the brand's welcome DM to alice with its unsubscribe link", text)
	}
	unsubscribe := "Stop these messages: " + s.site.JoinPath("api/unsubscribe").String() + "?"
	for _, d := range readSandbox(t, s).DMs {
		if d.SenderID == brandUID && d.RecipientID == aliceUID && !strings.Contains(d.Text, unsubscribe) {
			t.Errorf("the welcome DM to alice says %q, want its unsubscribe link (%s...)", d.Text, unsubscribe)
		}
	}
	// The panel lists alice's activity only: she never posts in these tests.
	if posts := eval[int](b, `document.querySelectorAll("#x-tweets li:not(.none)").length`); posts != 0 || b.text("#x-tweets li.none") != "No post yet." {
		t.Errorf("the panel lists %d posts of alice and says %q, want %q: the opt-in post was unticked", posts, b.text("#x-tweets li.none"), "No post yet.")
	}
	if forDocs {
		if dms := eval[int](b, `document.querySelectorAll("#x-dms li:not(.none)").length`); dms != 1 {
			t.Fatalf("the panel lists %d DMs of alice, want 1: the README's pictures need a stack "+
				"where nothing else happened (run make screenshots, which runs this test alone)", dms)
		}
	}
	shots.take(b, docsXPanel)

	if forDocs {
		shots.publish(t, dir)
	}
}

// docsShotsDir is where the README's pictures go: DOCS_SCREENSHOTS_DIR
// (forDocs), or nowhere.
func docsShotsDir(t *testing.T, root string) (dir string, forDocs bool) {
	t.Helper()
	dir = os.Getenv(docsShotsEnv)
	if dir == "" {
		return "", false
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, true
}

// docShots writes the README's pictures.
type docShots struct {
	dir   string
	ports map[string]string // the e2e stack's port -> make dev's
}

// publish copies the four pictures to dir, once all were taken and the test
// passed: a failed run leaves the README's pictures as they were.
func (d docShots) publish(t *testing.T, dir string) {
	t.Helper()
	if t.Failed() {
		t.Logf("the README's pictures in %s are left as they were: the walk-through failed", dir)
		return
	}
	for _, name := range []string{docsLanding, docsAuthorize, docsSuccess, docsXPanel} {
		b, err := os.ReadFile(filepath.Join(d.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("the README's pictures: %s", dir)
}

// showPanel shows or hides the local panel (site/dev-panel.js) under the
// form. It starts hidden in every page docShots photographs.
func (d docShots) showPanel(b *browser, show bool) {
	b.t.Helper()
	eval[bool](b, fmt.Sprintf(`(p => { if (p) p.style.display = %t ? '' : 'none'; return true })(document.getElementById('x-activity'))`, show))
}

// normaliseJS puts make dev's ports in place of the e2e stack's in the page's
// text, and docsClock in its <time> elements, now and whenever the page
// changes its text (dev-panel.js renders again every 2 s). A mutation
// observer's callback runs before the page is painted again, so a picture
// never shows the text before. The first time in a page, it hides the local
// panel (showPanel shows it). It resolves once the page is painted.
const normaliseJS = `((ports, clock) => {
  if (!window.__docsNormalise) {
    const panel = document.getElementById('x-activity');
    if (panel) panel.style.display = 'none';
    window.__docsNormalise = () => {
      const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        let v = n.nodeValue.replace(/127\.0\.0\.1:(\d+)/g, (all, port) => ports[port] ? '127.0.0.1:' + ports[port] : all);
        if (n.parentElement && n.parentElement.closest('time')) v = clock;
        if (v !== n.nodeValue) n.nodeValue = v;
      }
    };
    window.__docsNormalise();
    new MutationObserver(window.__docsNormalise).observe(document.body, { subtree: true, childList: true, characterData: true });
  }
  return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));
})(%s, %s)`

// take photographs the whole page (1280 pixels wide, as tall as the page)
// into name, after normalising it.
func (d docShots) take(b *browser, name string) {
	b.t.Helper()
	ports, _ := json.Marshal(d.ports)
	clock, _ := json.Marshal(docsClock)
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(normaliseJS, ports, clock), chromedp.EvalAwaitPromise)); err != nil {
		b.t.Fatalf("preparing the page for %s: %v", name, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("photographing %s: %v", name, err)
	}
	// Chromium compresses its PNGs for speed; the README's are kept small.
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		b.t.Fatalf("decoding the picture %s: %v", name, err)
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img); err != nil {
		b.t.Fatalf("encoding the picture %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(d.dir, name), out.Bytes(), 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.album.mu.Lock()
	b.album.shots = append(b.album.shots, shot{name: "picture " + strings.TrimSuffix(name, ".png"), png: out.Bytes()})
	b.album.mu.Unlock()
}
