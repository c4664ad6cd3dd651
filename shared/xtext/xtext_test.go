package xtext

import (
	"strings"
	"testing"
)

func TestPostWeightCountsAsTwitterText(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"ASCII", "I just signed up!", 17},
		{"Latin with accents", "Café crème", 10},
		{"Cyrillic and Greek", "Привет Γειά", 11},
		{"CJK weighs 2", "登録しました", 12},
		{"Hangul weighs 2", "가입했어요", 10},
		{"a curly quote and a dash stay light", "“ok” – yes", 10},
		{"an emoji weighs 2", "🎉", 2},
		{"an emoji with a skin tone weighs 2", "👍🏽", 2},
		{"a ZWJ family weighs 2", "👨‍👩‍👧", 2},
		{"a flag weighs 2", "🇫🇷", 2},
		{"a keycap weighs 2", "1️⃣", 2},
		{"a heart with its variation selector weighs 2", "❤️", 2},
		{"a link weighs 23", "https://example.com/a/very/long/path/that/is/much/longer/than/twenty/three", 23},
		{"a short link weighs 23", "http://x.co", 23},
		{"a bare domain weighs 23", "brand.com", 23},
		{"a link's trailing full stop is text", "see https://brand.com/launch.", 4 + 23 + 1},
		{"two links", "https://a.com https://b.com", 23 + 1 + 23},
		{"an unknown TLD counts at least as a link", "file.unknowntld", 23},
		{"an unknown TLD longer than a link counts its text", "some-very-long-name.unknowntld/with/a/path", 42},
		{"an e-mail's domain is not a link of its own", "x@brand.com", 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PostWeight(tc.text); got != tc.want {
				t.Fatalf("PostWeight(%q) = %d, want %d", tc.text, got, tc.want)
			}
		})
	}
}

func TestCheckPostAndDMAtTheLimits(t *testing.T) {
	if err := CheckPost(strings.Repeat("a", 280)); err != nil {
		t.Fatal(err)
	}
	if err := CheckPost(strings.Repeat("a", 281)); err == nil || !strings.Contains(err.Error(), "281") {
		t.Fatalf("281 ASCII characters: %v", err)
	}
	if err := CheckPost(strings.Repeat("漢", 140)); err != nil {
		t.Fatal(err)
	}
	if err := CheckPost(strings.Repeat("漢", 141)); err == nil || !strings.Contains(err.Error(), "282") {
		t.Fatalf("141 CJK characters: %v", err)
	}
	if err := CheckPost(strings.Repeat("a", 257) + " https://brand.com/" + strings.Repeat("x", 100)); err == nil {
		t.Fatal("257 + 1 + a link (23) = 281 was accepted")
	}
	if err := CheckPost(strings.Repeat("a", 256) + " https://brand.com/" + strings.Repeat("x", 100)); err != nil {
		t.Fatalf("256 + 1 + a link = 280: %v", err)
	}
	if err := CheckDM(strings.Repeat("é", 10000)); err != nil {
		t.Fatal(err)
	}
	if err := CheckDM(strings.Repeat("é", 10001)); err == nil || !strings.Contains(err.Error(), "10001") {
		t.Fatalf("10,001 characters: %v", err)
	}
	for _, empty := range []string{"", "  \n"} {
		if CheckDM(empty) == nil || CheckPost(empty) == nil {
			t.Fatalf("%q accepted", empty)
		}
	}
}
