package xid

import "testing"

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
