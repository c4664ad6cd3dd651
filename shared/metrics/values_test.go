package metrics

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/tools/goconst"
)

// constantsOf returns the string constants of type typ declared in file.
func constantsOf(t *testing.T, file, typ string) []string {
	t.Helper()
	out, err := goconst.Strings(file, typ)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameSet reports the values of one list missing from the other, both ways.
func sameSet(t *testing.T, what string, code, listed []string) {
	t.Helper()
	for _, v := range code {
		if !slices.Contains(listed, v) {
			t.Errorf("%s: %q is not in this package's list (values.go): it would be published as %q", what, v, Other)
		}
	}
	for _, v := range listed {
		if !slices.Contains(code, v) {
			t.Errorf("%s: values.go lists %q, which the code does not declare", what, v)
		}
	}
}

// The Reason and Stopped lists are exactly the code's reason constants: a
// reason added to a family reaches the dashboard by its name.
func TestTheListsAreTheCodesConstants(t *testing.T) {
	for _, f := range reasonFamilies {
		t.Run("the reasons of "+f.File+" are listed", func(t *testing.T) {
			sameSet(t, f.File, constantsOf(t, filepath.Join("..", f.File), "Reason"), f.Values)
		})
	}
	t.Run("the campaign stops are listed", func(t *testing.T) {
		sameSet(t, "campaigns/reasons.go", constantsOf(t, filepath.Join("..", "campaigns", "reasons.go"), "Stop"), stops)
	})
	t.Run("the outcomes are every action state but pending and sending", func(t *testing.T) {
		states := constantsOf(t, filepath.Join("..", "useritem", "useritem.go"), "State")
		states = slices.DeleteFunc(states, func(s string) bool { return s == "pending" || s == "sending" })
		sameSet(t, "useritem/useritem.go", states, outcomes)
	})
	t.Run("none and other are no reason of the code", func(t *testing.T) {
		for _, f := range reasonFamilies {
			if slices.Contains(f.Values, None) || slices.Contains(f.Values, Other) {
				t.Errorf("%s declares %q or %q", f.File, None, Other)
			}
		}
	})
}
