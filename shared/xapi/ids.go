package xapi

import (
	"errors"
	"strconv"
)

// ErrBadID is returned for anything that is not an X id.
var ErrBadID = errors.New("x: not an X id")

// ParseID checks that s is an X id: decimal digits within uint64, with no sign
// or leading zero. X ids exceed 2^53, so they are kept as these strings and
// never pass through a float64.
func ParseID(s string) (uint64, error) {
	if s == "" || len(s) > 20 || s[0] == '0' {
		return 0, ErrBadID
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrBadID
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, ErrBadID
	}
	return n, nil
}
