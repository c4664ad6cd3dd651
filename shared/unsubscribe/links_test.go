package unsubscribe_test

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
)

const (
	aliceUID = "1234567890123456789"
	bobUID   = "9007199254740993"
)

func TestUnsubscribeLinks(t *testing.T) {
	t.Parallel()
	linkKey, nextLinkKey, encKey := make([]byte, 32), make([]byte, 32), make([]byte, 32)
	for i := range linkKey {
		linkKey[i], nextLinkKey[i], encKey[i] = byte(i), byte(255-i), byte(i*3)
	}
	cb, _ := url.Parse("https://api.brand.example/api/twitter-callback?x=1")
	base := unsubscribe.BaseFromCallback(cb)
	if base.String() != "https://api.brand.example/api/unsubscribe" {
		t.Fatalf("base %s", base)
	}
	links := unsubscribe.NewLinks(base, linkKey)
	link, _ := url.Parse(links.URL(aliceUID))
	sig := link.Query().Get("sig")
	changed := sig[:len(sig)-1] + "A" // the last character, whatever it was, made another
	if changed == sig {
		changed = sig[:len(sig)-1] + "Q"
	}
	// A link of the first scheme: signed with a key derived from the token
	// encryption key.
	legacy, _ := url.Parse(unsubscribe.NewLinks(base, unsubscribe.LegacyLinkKey(encKey)).URL(aliceUID))
	legacySig := legacy.Query().Get("sig")
	tests := []struct {
		name     string
		links    *unsubscribe.Links
		uid, sig string
		ok       bool
	}{
		{"a link verifies", links, aliceUID, sig, true},
		{"a link signed with an earlier link key still verifies", unsubscribe.NewLinks(base, nextLinkKey, linkKey), aliceUID, sig, true},
		{"a link of the first scheme verifies under its derived key", unsubscribe.NewLinks(base, linkKey, unsubscribe.LegacyLinkKey(encKey)), aliceUID, legacySig, true},
		{"the derived key is not the encryption key itself", unsubscribe.NewLinks(base, linkKey, encKey), aliceUID, legacySig, false},
		{"a signature does not work for another user", links, bobUID, sig, false},
		{"a changed signature fails", links, aliceUID, changed, false},
		{"an empty signature fails", links, aliceUID, "", false},
		{"a uid that is not an X id fails", links, "1.2e18", sig, false},
		{"a key that never signed it fails", unsubscribe.NewLinks(base, nextLinkKey), aliceUID, sig, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.links.Verify(tt.uid, tt.sig); got != tt.ok {
				t.Fatalf("Verify = %v", got)
			}
		})
	}
	if f := links.Footer("Hi", aliceUID); !strings.HasPrefix(f, "Hi\n\nStop these messages: https://api.brand.example/api/unsubscribe?sig=") {
		t.Fatalf("footer %q", f)
	}
}

func TestLongestFooterIsTheLongestAnyUserGets(t *testing.T) {
	base, _ := url.Parse("https://api.brand.example/api/unsubscribe")
	l := unsubscribe.NewLinks(base, []byte("0123456789abcdef0123456789abcdef"))
	longest := unsubscribe.LongestFooter(base)
	for _, uid := range []string{"1", "1234567890123456789", unsubscribe.LongestUID} {
		if n := utf8.RuneCountInString(l.Footer("", uid)); n > longest {
			t.Fatalf("the footer for %s is %d characters, over LongestFooter's %d", uid, n, longest)
		}
	}
	if n := utf8.RuneCountInString(l.Footer("", unsubscribe.LongestUID)); n != longest {
		t.Fatalf("LongestFooter = %d, the longest uid's footer is %d", longest, n)
	}
}
