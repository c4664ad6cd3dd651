package xid

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for in, ok := range map[string]bool{
		"1234567890123456789":  true,
		"18446744073709551615": true,
		"18446744073709551616": false, // beyond uint64
		"0":                    false,
		"0123":                 false,
		"-1":                   false,
		"1e18":                 false,
		"":                     false,
	} {
		if _, err := Parse(in); (err == nil) != ok {
			t.Errorf("Parse(%q) err = %v", in, err)
		}
		if Valid(in) != ok {
			t.Errorf("Valid(%q) = %v", in, !ok)
		}
	}
}

func TestValidHandle(t *testing.T) {
	for _, tc := range []struct {
		handle string
		want   bool
	}{
		{"alice", true},
		{"Bob_42", true},
		{"a", true},
		{strings.Repeat("x", 50), true},
		{"", false},
		{strings.Repeat("x", 51), false},
		{"ali ce", false},
		{"alice<script>", false},
		{"ålice", false},
		{"alice\n", false},
	} {
		if got := ValidHandle(tc.handle); got != tc.want {
			t.Errorf("ValidHandle(%q) = %v, want %v", tc.handle, got, tc.want)
		}
	}
}
