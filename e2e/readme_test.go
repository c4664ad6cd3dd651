package e2e

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// readmeTranscriptMarker introduces, in README.md, the fenced block that shows
// what `make dev` prints.
const readmeTranscriptMarker = "`make dev` prints:"

// bannerHeader starts tools/dev's banner; a line with nothing on it ends it.
const bannerHeader = "twitter-sessions is running"

// The ports and the data folder of `make dev` (serverless.yml's local stage
// and tools/dev's defaults), as the README shows them.
const (
	readmeSitePort    = "8080"
	readmeSandboxPort = "8090"
	readmeDynamoPort  = "8000"
	readmeDataDir     = ".dev/dynamodb"
)

// TestReadmeMakeDevTranscriptIsWhatToolsDevPrints compares the README's
// `make dev` transcript, line by line, with the banner that this package's
// tools/dev printed. Only what legitimately differs is normalised: the e2e
// stack's random ports (README: 8080, 8090, 8000), its temporary data folder
// (README: .dev/dynamodb, relative to the repository, where `make dev` keeps
// it) and the extra page origin that the e2e stack allows for the
// single-page test (ALLOWED_ORIGINS). A line added, removed or repeated on
// either side fails the test.
func TestReadmeMakeDevTranscriptIsWhatToolsDevPrints(t *testing.T) {
	t.Parallel()
	s := theStack(t)

	readme, err := os.ReadFile(filepath.Join(s.root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := fencedBlockAfter(string(readme), readmeTranscriptMarker)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}

	// theStack returns once the "DynamoDB Local" line is read: the banner's
	// last lines may still be on their way.
	var printed []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		printed, err = bannerOf(s.out.String())
		if err == nil || !errors.Is(err, errBannerUnfinished) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("tools/dev's output: %v; it printed:\n%s", err, s.out)
	}
	got := normaliseBanner(printed, bannerSubstitutions{
		ports: map[string]string{
			s.site.Port():    readmeSitePort,
			s.sandbox.Port(): readmeSandboxPort,
			portOf(s.dynamo): readmeDynamoPort,
		},
		dataDir:     filepath.Join(s.tmp, "dynamodb"),
		root:        s.root,
		extraOrigin: origin(s.pages),
	})
	if diff := lineDiff(want, got); diff != "" {
		t.Errorf("README.md's `make dev` transcript (after %q) is not what tools/dev prints "+
			"(- only in the README, + only in tools/dev's banner, ports and data folder normalised):\n%s\n"+
			"tools/dev printed (before normalising):\n%s",
			readmeTranscriptMarker, diff, strings.Join(printed, "\n"))
	}
}

// TestReadmeTranscriptCheckCatchesDrift shows that the comparison above fails
// on each kind of drift: a line added, removed, repeated or changed in either
// the README or the banner, and a banner printed twice.
func TestReadmeTranscriptCheckCatchesDrift(t *testing.T) {
	t.Parallel()
	banner := []string{
		"twitter-sessions is running (stage local)",
		"  landing page       http://127.0.0.1:8080/",
		"  X sandbox          http://127.0.0.1:8090",
		"Ctrl-C stops everything.",
	}
	readme := func(lines ...string) string {
		return "intro\n\n" + readmeTranscriptMarker + "\n\n```\n" + strings.Join(lines, "\n") + "\n```\n\nmore\n"
	}
	output := func(lines ...string) string {
		return "starting\n\n" + strings.Join(lines, "\n") + "\n\nstream relay: polling\n"
	}
	with := func(lines []string, edit func([]string) []string) []string {
		return edit(append([]string(nil), lines...))
	}
	repeat := func(i int) func([]string) []string {
		return func(l []string) []string { return append(l[:i+1], l[i:]...) }
	}
	drop := func(i int) func([]string) []string {
		return func(l []string) []string { return append(l[:i], l[i+1:]...) }
	}
	add := func(i int, line string) func([]string) []string {
		return func(l []string) []string { return append(l[:i], append([]string{line}, l[i:]...)...) }
	}
	tests := []struct {
		name           string
		readme, output string
		wantDiff       bool
	}{
		{"the same lines", readme(banner...), output(banner...), false},
		{"log lines of the relay between the banner's lines are not the banner's",
			readme(banner...), output(with(banner, add(2, "stream relay: 1 record"))...), false},
		{"a README line repeated", readme(with(banner, repeat(1))...), output(banner...), true},
		{"a banner line repeated", readme(banner...), output(with(banner, repeat(1))...), true},
		{"the last banner line repeated", readme(banner...), output(with(banner, repeat(3))...), true},
		{"a line only in the README", readme(with(banner, add(2, "  extra              line"))...), output(banner...), true},
		{"a line only in the banner", readme(banner...), output(with(banner, add(2, "  extra              line"))...), true},
		{"a line missing from the README", readme(with(banner, drop(2))...), output(banner...), true},
		{"a line missing from the banner", readme(banner...), output(with(banner, drop(2))...), true},
		{"a changed line", readme(banner...), output(with(banner, func(l []string) []string {
			l[1] = strings.Replace(l[1], "landing page", "landing  page", 1)
			return l
		})...), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := fencedBlockAfter(tt.readme, readmeTranscriptMarker)
			if err != nil {
				t.Fatal(err)
			}
			got, err := bannerOf(tt.output)
			if err != nil {
				t.Fatal(err)
			}
			if diff := lineDiff(want, got); (diff != "") != tt.wantDiff {
				t.Errorf("diff = %q, want a diff: %v", diff, tt.wantDiff)
			}
		})
	}

	t.Run("a banner printed twice", func(t *testing.T) {
		if _, err := bannerOf(output(banner...) + output(banner...)); err == nil {
			t.Error("no error for a banner printed twice")
		}
	})
	t.Run("a banner not finished yet", func(t *testing.T) {
		if _, err := bannerOf("\n" + strings.Join(banner[:2], "\n") + "\n"); !errors.Is(err, errBannerUnfinished) {
			t.Errorf("err = %v, want errBannerUnfinished", err)
		}
	})
	t.Run("two transcripts in the README", func(t *testing.T) {
		if _, err := fencedBlockAfter(readme(banner...)+readme(banner...), readmeTranscriptMarker); err == nil {
			t.Error("no error for two blocks")
		}
	})
	t.Run("an unclosed block", func(t *testing.T) {
		if _, err := fencedBlockAfter(readmeTranscriptMarker+"\n```\n"+banner[0]+"\n", readmeTranscriptMarker); err == nil {
			t.Error("no error for an unclosed block")
		}
	})
	t.Run("the normalisation maps only the known ports and folders", func(t *testing.T) {
		got := normaliseBanner([]string{
			"  landing page       http://127.0.0.1:41234/",
			"  API Gateway        CORS for http://127.0.0.1:41234, http://127.0.0.1:41236",
			"  API Gateway        CORS for http://127.0.0.1:41236, http://127.0.0.1:41234",
			"  API Gateway        CORS for http://127.0.0.1:412367, http://127.0.0.1:41234",
			"  DynamoDB Local     http://127.0.0.1:41235  (data in /tmp/e2e-dev-1/dynamodb)",
			"  other              http://127.0.0.1:412345 http://127.0.0.1:4123",
		}, bannerSubstitutions{
			ports:       map[string]string{"41234": "8080", "41235": "8000", "4123": "9999"},
			dataDir:     "/tmp/e2e-dev-1/dynamodb",
			root:        "/src/twitter-sessions",
			extraOrigin: "http://127.0.0.1:41236",
		})
		want := []string{
			"  landing page       http://127.0.0.1:8080/",
			"  API Gateway        CORS for http://127.0.0.1:8080",
			"  API Gateway        CORS for http://127.0.0.1:8080",
			"  API Gateway        CORS for http://127.0.0.1:412367, http://127.0.0.1:8080",
			"  DynamoDB Local     http://127.0.0.1:8000  (data in .dev/dynamodb)",
			"  other              http://127.0.0.1:412345 http://127.0.0.1:9999",
		}
		if diff := lineDiff(want, got); diff != "" {
			t.Errorf("normalised:\n%s", diff)
		}
	})
}

// fencedBlockAfter returns the lines of the fenced code block (```) that
// follows the one line of text containing marker.
func fencedBlockAfter(text, marker string) ([]string, error) {
	lines := strings.Split(text, "\n")
	at := -1
	for i, line := range lines {
		if strings.Contains(line, marker) {
			if at >= 0 {
				return nil, fmt.Errorf("%q is on lines %d and %d: which transcript is it?", marker, at+1, i+1)
			}
			at = i
		}
	}
	if at < 0 {
		return nil, fmt.Errorf("no line says %q", marker)
	}
	i := at + 1
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) || !strings.HasPrefix(lines[i], "```") {
		return nil, fmt.Errorf("no ``` block right after %q (line %d)", marker, at+1)
	}
	for j := i + 1; j < len(lines); j++ {
		if strings.TrimRight(lines[j], " ") == "```" {
			return lines[i+1 : j], nil
		}
	}
	return nil, fmt.Errorf("the ``` block after %q (line %d) is not closed", marker, i+1)
}

var errBannerUnfinished = errors.New("the banner has no empty line after it yet")

// bannerOf returns the banner in tools/dev's output: the line starting with
// bannerHeader and every line after it up to the first empty one. The lines
// that the functions, the stream relay and the gateway log on their own
// (JSON, "stream relay: ", "api gateway: ") may come between the banner's
// lines, as they share the output; they are left out. A banner printed more
// than once is an error.
func bannerOf(output string) ([]string, error) {
	// What follows the last newline is not a line (yet).
	lines := strings.Split(strings.TrimSuffix(output, "\n"), "\n")
	start := -1
	for i, line := range lines {
		if strings.HasPrefix(line, bannerHeader) {
			if start >= 0 {
				return nil, fmt.Errorf("%q is printed twice (lines %d and %d)", bannerHeader, start+1, i+1)
			}
			start = i
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("no line starts with %q", bannerHeader)
	}
	var banner []string
	for _, line := range lines[start:] {
		if line == "" {
			return banner, nil
		}
		if isLogLine(line) {
			continue
		}
		banner = append(banner, line)
	}
	return nil, errBannerUnfinished
}

// isLogLine tells the lines that tools/dev's parts log as they run (which may
// land in the middle of the banner) from the banner's.
func isLogLine(line string) bool {
	for _, prefix := range []string{"{", "stream relay: ", "api gateway: "} {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

// bannerSubstitutions is what differs between the e2e stack's tools/dev and
// `make dev`.
type bannerSubstitutions struct {
	ports       map[string]string // port of 127.0.0.1 -> the README's port
	dataDir     string            // the e2e stack's data folder -> the README's
	root        string            // the repository, which `make dev`'s data folder is in
	extraOrigin string            // an origin that only the e2e stack allows (CORS)
}

var loopbackPort = regexp.MustCompile(`127\.0\.0\.1:(\d+)`)

func normaliseBanner(lines []string, sub bannerSubstitutions) []string {
	out := make([]string, len(lines))
	for i, line := range lines {
		// The folder `make dev` uses is <repository>/.dev/dynamodb; the README
		// shows it relative to the repository, wherever it is checked out.
		line = strings.ReplaceAll(line, sub.dataDir, filepath.Join(sub.root, readmeDataDir))
		line = strings.ReplaceAll(line, sub.root+string(filepath.Separator), "")
		if sub.extraOrigin != "" {
			// One entry of a list "a, b, c": ", <origin>" or "<origin>, ".
			after := regexp.MustCompile(`, ` + regexp.QuoteMeta(sub.extraOrigin) + `\b`)
			if loc := after.FindStringIndex(line); loc != nil {
				line = line[:loc[0]] + line[loc[1]:]
			} else {
				line = strings.Replace(line, sub.extraOrigin+", ", "", 1)
			}
		}
		line = loopbackPort.ReplaceAllStringFunc(line, func(hostPort string) string {
			port := strings.TrimPrefix(hostPort, "127.0.0.1:")
			if to, ok := sub.ports[port]; ok {
				return "127.0.0.1:" + to
			}
			return hostPort
		})
		out[i] = line
	}
	return out
}

// portOf is the port of an http://host:port URL ("" when there is none).
func portOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Port()
}

// lineDiff is "" when want and got are the same lines, and otherwise a diff
// of them: "  " both, "- " only in want, "+ " only in got (a longest common
// subsequence, so a repeated or moved line shows as such).
func lineDiff(want, got []string) string {
	n, m := len(want), len(got)
	// lcs[i][j]: length of the longest common subsequence of want[i:] and got[j:].
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	if lcs[0][0] == n && n == m {
		return ""
	}
	var b strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && want[i] == got[j]:
			fmt.Fprintf(&b, "  %s\n", want[i])
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&b, "+ %s\n", got[j])
			j++
		default:
			fmt.Fprintf(&b, "- %s\n", want[i])
			i++
		}
	}
	return b.String()
}
