package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// A side of the comparison: one revision's probes (their host builds and
// local environment) and its deployed zips.
type side struct {
	label string
	root  string
	bins  []string
	env   map[string]string
}

// compareAgainst measures the cold starts of rev's functions and of this
// tree's in one interleaved loop (rev, this, rev, this, ... per function and
// round), so that whatever else the machine does weighs on both alike: two
// separate make bench runs differ by more than the changes worth checking.
// It also compares the deployed zips, built the same way for both.
func compareAgainst(w func(string, ...any), rie, rev string, starts int) {
	dir := filepath.Join(os.TempDir(), "twitter-sessions-bench-"+sanitize(rev))
	_ = os.RemoveAll(dir)
	check(os.MkdirAll(dir, 0o755))
	defer os.RemoveAll(dir)
	// git archive: the revision's tracked files, without touching this
	// checkout or its worktrees.
	archive := exec.Command("sh", "-c", fmt.Sprintf("git archive --format=tar %q | tar -x -C %q", rev, dir))
	if out, err := archive.CombinedOutput(); err != nil {
		check(fmt.Errorf("git archive %s: %v\n%s", rev, err, out))
	}
	here, err := slsyml.RepoRoot()
	check(err)
	sides := []*side{{label: rev, root: dir}, {label: "this tree", root: here}}
	for _, s := range sides {
		s.env, err = slsyml.Environment(s.root, "local")
		check(err)
		for _, p := range probes {
			s.bins = append(s.bins, buildHostIn(s.root, "against-"+sanitize(s.label), p.name, p.pkg))
		}
	}
	colds := make([][2][]float64, len(probes))
	for round := range starts {
		for i, p := range probes {
			// Which side goes first alternates: the second of two starts in a
			// row is often faster (warm page cache, CPU frequency).
			for k := range sides {
				j := (k + round) % len(sides)
				c, _ := coldStart(rie, sides[j].bins[i], sides[j].env, p.event)
				colds[i][j] = append(colds[i][j], c)
			}
		}
	}
	w("\n## Against %s (interleaved cold starts, %d each; zips built alike)\n\n", rev, starts)
	w("| function | cold median %s | cold median this tree | change | zip %s | zip this tree | change |\n|---|---|---|---|---|---|---|\n", rev, rev)
	for i, p := range probes {
		a, b := medianOf(colds[i][0]), medianOf(colds[i][1])
		if strings.HasPrefix(p.pkg, "./tools/bench/") {
			// The same binary on both sides: its change is the noise floor.
			w("| %s (the same binary twice: noise) | %.1f ms | %.1f ms | %+.1f %% | - | - | - |\n", p.name, a, b, 100*(b-a)/a)
			continue
		}
		za, zb := zipSize(sides[0].root, p.pkg), zipSize(sides[1].root, p.pkg)
		w("| %s | %.1f ms | %.1f ms | %+.1f %% | %d B | %d B | %+.1f %% |\n", p.name, a, b, 100*(b-a)/a, za, zb, 100*float64(zb-za)/float64(za))
	}
}

// sanitize makes a revision or a label a file name.
var sanitize = strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace

func medianOf(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}

// buildHostIn is buildHost for one side of the comparison.
func buildHostIn(root, tag, name, pkg string) string {
	if strings.HasPrefix(pkg, "./tools/bench/") {
		return buildHost("", "", name, pkg) // the yardstick is this tree's, on both sides
	}
	return buildHost(root, tag, name, pkg)
}

// zipSize is the size of pkg's deployed zip as the Makefile makes it
// (linux/arm64 bootstrap, zip -X with a fixed timestamp).
func zipSize(root, pkg string) int64 {
	tmp, err := os.MkdirTemp("", "bench-zip")
	check(err)
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bootstrap")
	run(root, []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w -buildid=", "-o", bin, pkg)
	run(tmp, []string{"TZ=UTC"}, "touch", "-t", "198001010000", "bootstrap")
	run(tmp, []string{"TZ=UTC"}, "zip", "-q", "-X", "-D", "f.zip", "bootstrap")
	fi, err := os.Stat(filepath.Join(tmp, "f.zip"))
	check(err)
	return fi.Size()
}
