package xtext

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// X's limits.
const (
	// DMMaxLength is the most characters (code points) a Direct Message holds.
	DMMaxLength = 10000
	// PostMaxWeight is the most weighted characters a post holds.
	PostMaxWeight = 280
	// URLWeight is what a link weighs in a post (X's t.co link length).
	URLWeight = 23
)

// DMLength is a Direct Message's length as X limits it: its code points.
func DMLength(text string) int { return utf8.RuneCountInString(text) }

// CheckDM refuses an empty text, one that is not UTF-8, or one over
// DMMaxLength; the error gives the length, never the text.
func CheckDM(text string) error {
	switch n := DMLength(text); {
	case strings.TrimSpace(text) == "":
		return fmt.Errorf("is empty")
	case !utf8.ValidString(text):
		return fmt.Errorf("is not valid UTF-8")
	case n > DMMaxLength:
		return fmt.Errorf("is %d characters, over X's limit of %d for a Direct Message", n, DMMaxLength)
	}
	return nil
}

// CheckPost refuses an empty text, one that is not UTF-8, or one that
// weighs over PostMaxWeight; the error gives the weight, never the text.
func CheckPost(text string) error {
	switch w := PostWeight(text); {
	case strings.TrimSpace(text) == "":
		return fmt.Errorf("is empty")
	case !utf8.ValidString(text):
		return fmt.Errorf("is not valid UTF-8")
	case w > PostMaxWeight:
		return fmt.Errorf("weighs %d, over X's limit of %d for a post (X counts a link as %d, and CJK characters and emoji as 2)", w, PostMaxWeight, URLWeight)
	}
	return nil
}

// PostWeight is a post's weighted length (see the package comment).
func PostWeight(text string) int {
	w := 0
	last := 0
	for _, l := range links(text) {
		w += plainWeight(text[last:l.start]) + l.weight
		last = l.end
	}
	return w + plainWeight(text[last:])
}

// link is a span of text that X counts as a link, and its weight.
type link struct {
	start, end int
	weight     int
}

var (
	// withScheme is an http(s) link up to the next space; trailingPunct is
	// what twitter-text leaves out of a link's end.
	withScheme    = regexp.MustCompile(`(?i)\bhttps?://[^\s]+`)
	trailingPunct = ".,:;!?'\"()[]{}<>…"
	// bareDomain is a domain without a scheme, optionally with a path.
	bareDomain = regexp.MustCompile(`(?i)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]+)(?::[0-9]{1,5})?(?:/[^\s]*)?`)
	// hostOf finds the host of a link with a scheme.
	hostOf = regexp.MustCompile(`(?i)^https?://([^/?#:\s]+)`)
)

// links finds the links of text, in order, not overlapping.
func links(text string) []link {
	var out []link
	taken := func(start, end int) bool {
		for _, l := range out {
			if start < l.end && l.start < end {
				return true
			}
		}
		return false
	}
	for _, m := range withScheme.FindAllStringIndex(text, -1) {
		start, end := m[0], trimEnd(text, m[0], m[1])
		u := text[start:end]
		weight := URLWeight
		if h := hostOf.FindStringSubmatch(u); h == nil || !knownHost(h[1]) {
			// A host twitter-text may not take for a link (localhost, an
			// unknown TLD): the larger of both counts.
			weight = max(URLWeight, plainWeight(u))
		}
		out = append(out, link{start, end, weight})
	}
	for _, m := range bareDomain.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[0], trimEnd(text, m[0], m[1])
		if taken(start, end) || start > 0 && !boundaryBefore(text[:start]) {
			continue
		}
		tld := strings.ToLower(text[m[2]:m[3]])
		weight := URLWeight
		if !knownTLD(tld) {
			weight = max(URLWeight, plainWeight(text[start:end]))
		}
		out = append(out, link{start, end, weight})
	}
	sortLinks(out)
	return out
}

// trimEnd drops the punctuation twitter-text does not take into a link's end.
func trimEnd(text string, start, end int) int {
	for end > start {
		r, size := utf8.DecodeLastRuneInString(text[start:end])
		if !strings.ContainsRune(trailingPunct, r) {
			break
		}
		end -= size
	}
	return end
}

// boundaryBefore: a link starts a word (not after a letter, digit, '@',
// '.', '-', '_', '/', or '$').
func boundaryBefore(before string) bool {
	r, _ := utf8.DecodeLastRuneInString(before)
	return !(r == '@' || r == '.' || r == '-' || r == '_' || r == '/' || r == '$' ||
		('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9'))
}

func knownHost(host string) bool {
	i := strings.LastIndexByte(host, '.')
	return i > 0 && knownTLD(strings.ToLower(host[i+1:]))
}

// knownTLD: the generic TLDs most links use, and every two-letter code
// (country TLDs). Others count as the larger of a link and their text.
func knownTLD(tld string) bool {
	if len(tld) == 2 {
		return true
	}
	switch tld {
	case "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "aero", "coop", "museum",
		"app", "dev", "io", "ai", "shop", "store", "online", "site", "tech", "blog", "news", "live", "xyz", "club",
		"company", "agency", "digital", "media", "studio", "design", "global", "world", "today", "page", "link":
		return true
	}
	return strings.HasPrefix(tld, "xn--")
}

func sortLinks(ls []link) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && ls[j].start < ls[j-1].start; j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

// plainWeight weighs text without links: emoji 2 each, other code points
// by their range.
func plainWeight(s string) int {
	rs := []rune(s)
	w := 0
	for i := 0; i < len(rs); {
		if n := emojiLen(rs[i:]); n > 0 {
			w += 2
			i += n
			continue
		}
		w += runeWeight(rs[i])
		i++
	}
	return w
}

// runeWeight is twitter-text's version 3 weight of one code point.
func runeWeight(r rune) int {
	switch {
	case r <= 4351, 8192 <= r && r <= 8205, 8208 <= r && r <= 8223, 8242 <= r && r <= 8247:
		return 1
	}
	return 2
}

// emojiLen is how many code points of rs (from its start) make one emoji,
// 0 when rs does not start with one: a flag (two regional indicators), a
// keycap, or a pictograph with its modifiers and joined pictographs.
func emojiLen(rs []rune) int {
	switch {
	case len(rs) == 0:
		return 0
	case isRegional(rs[0]):
		if len(rs) > 1 && isRegional(rs[1]) {
			return 2 // a flag
		}
		return 1
	case isKeycapBase(rs[0]):
		return keycapLen(rs)
	case pictographic(rs[0]):
		return sequenceLen(rs)
	}
	return 0
}

func isKeycapBase(r rune) bool { return r == '#' || r == '*' || ('0' <= r && r <= '9') }

// keycapLen: the character, an optional U+FE0F, U+20E3; 0 when that is
// not what follows (a plain digit).
func keycapLen(rs []rune) int {
	n := 1
	if n < len(rs) && rs[n] == 0xFE0F {
		n++
	}
	if n < len(rs) && rs[n] == 0x20E3 {
		return n + 1
	}
	return 0
}

// sequenceLen: a pictograph, then its variation selectors, skin tones, tag
// characters, and pictographs joined by U+200D (ZWJ): one emoji.
func sequenceLen(rs []rune) int {
	n := 1
	for n < len(rs) {
		switch c := rs[n]; {
		case isModifier(c):
			n++
		case c == 0x200D && n+1 < len(rs) && pictographic(rs[n+1]):
			n += 2
		default:
			return n
		}
	}
	return n
}

// isModifier: a variation selector, the keycap mark, a skin tone, or a tag
// character (subdivision flags).
func isModifier(c rune) bool {
	return c == 0xFE0F || c == 0xFE0E || c == 0x20E3 || (0x1F3FB <= c && c <= 0x1F3FF) || (0xE0020 <= c && c <= 0xE007F)
}

func isRegional(r rune) bool { return 0x1F1E6 <= r && r <= 0x1F1FF }

// pictographic: the code points emoji start with (Unicode's
// Extended_Pictographic, in blocks).
func pictographic(r rune) bool {
	switch {
	case r == 0xA9, r == 0xAE, r == 0x203C, r == 0x2049, r == 0x2122, r == 0x2139, r == 0x24C2,
		r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299:
		return true
	case 0x2194 <= r && r <= 0x21AA, 0x231A <= r && r <= 0x23FF, 0x25AA <= r && r <= 0x25FE,
		0x2600 <= r && r <= 0x27BF, 0x2934 <= r && r <= 0x2935, 0x2B05 <= r && r <= 0x2B55,
		0x1F000 <= r && r <= 0x1FAFF:
		return !isRegional(r)
	}
	return false
}
