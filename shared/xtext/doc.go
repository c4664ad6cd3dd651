// Package xtext measures texts the way X does before the service sends them,
// so that a text X would refuse is refused here first, with the numbers:
//
//   - a Direct Message holds at most DMMaxLength characters (Unicode code
//     points: DMLength);
//   - a post holds at most PostMaxWeight weighted characters (PostWeight),
//     counted as twitter-text's version 3 configuration does: a code point
//     in the ranges X counts light (Latin, Greek, Cyrillic, Hebrew, Arabic,
//     Indic and other scripts up to U+10FF, and some punctuation) weighs 1,
//     any other (CJK, Hangul, emoji, ...) 2; an emoji weighs 2 however many
//     code points make it (skin tones, variation selectors, keycaps, flags,
//     tag sequences and ZWJ sequences); a URL weighs 23 (X's t.co length)
//     whatever its own length.
//
// Where twitter-text's answer depends on its list of top-level domains (a
// domain without http:// is a link only under a TLD it knows), a token that
// looks like a domain under a TLD not listed here counts as the larger of 23
// and its own weight: the count may then be above X's, never below. X also
// normalises a post to NFC before counting, which only ever shortens it;
// this package counts the text as given.
package xtext
