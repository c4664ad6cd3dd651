package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// tws -h lists every command, one line each; each command's -h prints its
// usage and flags on stdout and is no error (exit 0).
func TestHelpListsEveryCommandAndEachHasItsOwn(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, env{out: &out}); err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		if n := strings.Count(out.String(), "\n  "+c.name+" "); n != 1 {
			t.Errorf("tws -h lists %q %d times:\n%s", c.name, n, out.String())
		}
		var own bytes.Buffer
		args := append(strings.Fields(c.name), "-h")
		if err := run(context.Background(), args, env{out: &own}); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.HasPrefix(own.String(), "usage: tws "+c.name+" ") || !strings.Contains(own.String(), "\nflags:\n  -") {
			t.Errorf("%v printed:\n%s", args, own.String())
		}
	}
	var help bytes.Buffer
	if err := run(context.Background(), []string{"help", "forget"}, env{out: &help}); err != nil || !strings.Contains(help.String(), "-uid") {
		t.Errorf("tws help forget: %v\n%s", err, help.String())
	}
}

// A command line that names no command is a usage error (exit 2) whose
// usage line says what there is.
func TestUnknownCommandsAreUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		line string
	}{
		{nil, "usage: tws <command>"},
		{[]string{"drop"}, "usage: tws <command>"},
		{[]string{"keys"}, "keys rotate-edge"},
		{[]string{"keys", "drop", "-stage", "staging"}, "keys rotate-edge"},
		{[]string{"forget", "-stage", "local"}, "usage: tws forget -stage"},
	}
	for _, tt := range tests {
		var u usageError
		if err := run(context.Background(), tt.args, env{out: &bytes.Buffer{}}); !errors.As(err, &u) || !strings.Contains(u.line, tt.line) {
			t.Errorf("%q: %v (usage line %q), want a usage error with %q", tt.args, err, u.line, tt.line)
		}
	}
}

// The README shows tws -h as it prints.
func TestReadmeShowsTheHelpAsPrinted(t *testing.T) {
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, shown, ok := strings.Cut(string(readme), "$ tws -h\n")
	shown, _, _ = strings.Cut(shown, "```")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, env{out: &out}); err != nil {
		t.Fatal(err)
	}
	if !ok || shown != out.String() {
		t.Errorf("README.md's tws -h differs from what it prints:\n%s", out.String())
	}
}
