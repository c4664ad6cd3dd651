package xid

import (
	"errors"
	"strconv"
)

// ErrBad is returned for anything that is not an X id.
var ErrBad = errors.New("x: not an X id")

// Parse checks that s is an X id: decimal digits within uint64, with no sign
// or leading zero.
func Parse(s string) (uint64, error) {
	if s == "" || len(s) > 20 || s[0] == '0' {
		return 0, ErrBad
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrBad
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, ErrBad
	}
	return n, nil
}

// Valid reports whether s is an X id.
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// ValidHandle reports whether s can be an X handle (screen name, username):
// 1-15 letters, digits and underscores, though older accounts may be longer,
// so up to 50 pass; never an odd byte (a handle goes into the success
// redirect and the logs).
func ValidHandle(s string) bool {
	if s == "" || len(s) > 50 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
