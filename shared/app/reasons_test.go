package app_test

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/tools/goconst"
)

// reasonFamilies are the typed reason families: the first header cell of the
// README table that lists a family, the file declaring its constants, and
// their type.
var reasonFamilies = []struct{ header, file, typ string }{
	{"sign-in reason", "signin/reasons.go", "Reason"},
	{"X reason", "xapi/reasons.go", "Reason"},
	{"refusal reason", "web/reasons.go", "Reason"},
	{"action reason", "actions/reasons.go", "Reason"},
	{"campaign stop", "campaigns/reasons.go", "Stop"},
}

// TestTheReadmeListsExactlyTheReasons: every reason constant of the code is
// in its README table, and every reason a README table lists is a constant.
func TestTheReadmeListsExactlyTheReasons(t *testing.T) {
	tables := readmeTables(t, filepath.Join("..", "..", "README.md"))
	for _, f := range reasonFamilies {
		code := constantsOf(t, filepath.Join("..", f.file), f.typ)
		listed, ok := tables[f.header]
		if !ok {
			t.Errorf("README.md has no table whose first column is %q (the reasons of %s)", f.header, f.file)
			continue
		}
		for _, r := range code {
			if !slices.Contains(listed, r) {
				t.Errorf("%s: %q is not in README.md's %q table", f.file, r, f.header)
			}
		}
		for _, r := range listed {
			if !slices.Contains(code, r) {
				t.Errorf("README.md's %q table lists %q, which %s does not declare", f.header, r, f.file)
			}
		}
	}
}

// constantsOf returns the string constants of type typ declared in file.
func constantsOf(t *testing.T, file, typ string) []string {
	t.Helper()
	out, err := goconst.Strings(file, typ)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readmeTables returns, for each Markdown table of path, the code spans
// (`...`) of its first column, by the text of its first header cell.
func readmeTables(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tables := map[string][]string{}
	header := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			header = ""
			continue
		}
		first := strings.TrimSpace(strings.Split(strings.Trim(line, "|"), "|")[0])
		switch {
		case header == "":
			header = first
		case strings.Trim(first, "-: ") == "":
			// the separator row
		case strings.HasPrefix(first, "`") && strings.HasSuffix(first, "`"):
			tables[header] = append(tables[header], strings.Trim(first, "`"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return tables
}
