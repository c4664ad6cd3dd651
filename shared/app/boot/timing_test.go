package boot_test

import (
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// Each function's row of the timing table holds its Lambda timeout as
// serverless.yml sets it, and fits in it.
func TestTheTimingTableMatchesServerlessYml(t *testing.T) {
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for name, row := range map[string]boot.Timing{
		"generate_session": boot.GenerateSession,
		"twitter_callback": boot.TwitterCallback,
		"twitter_actions":  boot.TwitterActions,
	} {
		var seconds int
		if err := slsyml.Decode(root, "staging", "functions."+name+".timeout", &seconds); err != nil {
			t.Fatal(err)
		}
		if got := time.Duration(seconds) * time.Second; got != row.Lambda {
			t.Errorf("%s: serverless.yml's timeout is %v, the timing table says %v", name, got, row.Lambda)
		}
		if row.XCall+row.Margin >= row.Lambda || row.Attempts < 1 {
			t.Errorf("%s: one call to X (%v) and the margin (%v) do not fit in %v", name, row.XCall, row.Margin, row.Lambda)
		}
	}
}
