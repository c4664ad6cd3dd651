package unsubscribe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"unicode/utf8"

	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// Path is the route of the unsubscribe link.
const Path = "/api/unsubscribe"

// legacyLinkKeyLabel is the label of the first scheme, in which the link key
// was derived from the token encryption key: HMAC-SHA256(encryption key,
// label). Links signed that way are still in people's inboxes, so the
// derivation is kept, for verifying only.
const legacyLinkKeyLabel = "twitter-sessions/unsubscribe-link/v1"

// LegacyLinkKey is the link key that was derived from a token encryption key
// before links had a key of their own (LINK_SIGNING_KEY). make secrets stores
// these in LINK_SIGNING_OLD_KEYS so that old links outlive the encryption
// keys they came from.
func LegacyLinkKey(encryptionKey []byte) []byte {
	m := hmac.New(sha256.New, encryptionKey)
	m.Write([]byte(legacyLinkKeyLabel))
	return m.Sum(nil)
}

// Links signs and checks unsubscribe links:
// <base>?uid=<uid>&sig=<base64url(HMAC-SHA256(k, "unsubscribe:"+uid))[:16 bytes]>.
// The links never expire (a DM stays in the inbox for years); they can only
// unsubscribe, and only the user they name. Their key is independent of the
// token encryption keys: rotating and dropping those never breaks a link.
type Links struct {
	base *url.URL
	keys [][]byte // [0] signs; all verify
}

// NewLinks returns links signed with signKey (LINK_SIGNING_KEY) that also
// verify under each of verifyOnly (earlier link keys, and the legacy keys
// derived from token encryption keys). base is the unsubscribe route's
// absolute URL.
func NewLinks(base *url.URL, signKey []byte, verifyOnly ...[]byte) *Links {
	return &Links{base: base, keys: append([][]byte{signKey}, verifyOnly...)}
}

// ForStage returns a stage's links: on the host of its callback URL
// (TWITTER_CALLBACK_URL), signed with linkKey, verifying under oldKeys
// (LINK_SIGNING_OLD_KEYS) and under the keys that the first scheme derived
// from the token encryption keys still configured.
func ForStage(callback *url.URL, linkKey []byte, oldKeys, encryptionKeys [][]byte) *Links {
	verify := append([][]byte(nil), oldKeys...)
	for _, k := range encryptionKeys {
		verify = append(verify, LegacyLinkKey(k))
	}
	return NewLinks(BaseFromCallback(callback), linkKey, verify...)
}

// BaseFromCallback is the unsubscribe route on the host of our callback URL
// (TWITTER_CALLBACK_URL with its path replaced).
func BaseFromCallback(callback *url.URL) *url.URL {
	u := *callback
	u.Path, u.RawPath, u.RawQuery, u.Fragment = Path, "", "", ""
	return &u
}

func sign(key []byte, uid string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("unsubscribe:" + uid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// URL is uid's unsubscribe link.
func (l *Links) URL(uid string) string {
	u := *l.base
	u.RawQuery = url.Values{"uid": {uid}, "sig": {sign(l.keys[0], uid)}}.Encode()
	return u.String()
}

// Verify checks a link's signature in constant time.
func (l *Links) Verify(uid, sig string) bool {
	if !xid.Valid(uid) || sig == "" {
		return false
	}
	ok := false
	for _, k := range l.keys {
		if hmac.Equal([]byte(sign(k, uid)), []byte(sig)) {
			ok = true
		}
	}
	return ok
}

// Footer appends the unsubscribe line to a DM's text (X's automation rules:
// automated DMs must carry a visible way to stop them).
func (l *Links) Footer(text, uid string) string {
	return text + "\n\nStop these messages: " + l.URL(uid)
}

// LongestUID is the longest X id: the largest 64-bit number. A footer's
// length grows only with its uid's digits, so the footer for this uid is
// the longest any user gets.
const LongestUID = "18446744073709551615"

// LongestFooter is how many characters (code points) the longest footer
// adds to a DM sent with links on base: what a text must leave free of X's
// limit. The signature's length does not depend on the key.
func LongestFooter(base *url.URL) int {
	return utf8.RuneCountInString(NewLinks(base, make([]byte, 32)).Footer("", LongestUID))
}
