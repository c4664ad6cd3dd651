// Command tws is the brand's operator commands, one binary with a subcommand
// each: tws -h lists them (the commands table below), tws <command> -h gives
// a command's flags.
//
// The Makefile's operator targets build it into .build/tws and call it;
// `go install github.com/twitter-sessions/twitter-sessions/cmd/tws@latest`
// installs it. It reads serverless.yml (and .env.local for the local stage)
// from the repository it runs in. Data goes to stdout, the rest (the stage
// line, progress, errors) to stderr; a usage error exits 2, a failure 1.
// The work is in the packages ops and ops/keyops.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/twitter-sessions/twitter-sessions/ops"
)

func main() {
	err := run(context.Background(), os.Args[1:], env{in: os.Stdin, out: os.Stdout, errOut: os.Stderr, getenv: os.Getenv,
		now: time.Now, resolve: ops.Resolve, ask: askTerminal})
	var u usageError
	switch {
	case errors.As(err, &u):
		fmt.Fprintln(os.Stderr, u.line)
		if u.msg != "" {
			fmt.Fprintln(os.Stderr, "tws:", u.msg)
		}
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "tws:", err)
		os.Exit(1)
	}
}

// env is the process around the commands, injected for the tests.
type env struct {
	in          io.Reader
	out, errOut io.Writer
	getenv      func(string) string
	now         func() time.Time
	resolve     func(context.Context, ops.Options) (*ops.Target, error) // opens a stage for subscribers, stats, campaigns, forget
	ask         ask                                                     // unseal's keys when no -key-file is given
}

// command is one subcommand: its name as typed (two words in the keys
// group), its flags in short, what it does in one line, and the function
// that runs it with the arguments after its name.
type command struct {
	group, name, synopsis, summary string
	run                            func(ctx context.Context, name string, args []string, e env) error
}

const (
	stageFlags = "-stage local|staging|production"
	keysFlags  = "-stage staging|production [-protocol oauth2|oauth1]"
)

var commands = []command{
	{"The brand's view of a stage", "subscribers", stageFlags + " [-format csv|json]", "every user, one row each, on stdout: CSV or JSON Lines; never a token", runOps},
	{"", "stats", stageFlags + " [-days 30] [-format table|html] [-out FILE]", "sign-ups per day and utm_source, unsubscribes, revocations: a table, or an HTML page", runOps},
	{"", "campaigns", stageFlags, "each campaign: status, counts, progress, what it waits for", runOps},
	{"", "forget", stageFlags + " -uid UID [-yes] [-skip-revoke]", "erase one person: revoke their grant at X, delete their item", runOps},
	{"DM campaigns on the local stack (make dev running)", "campaign", "-id ID [-text TEXT] [-until-done] | -resume", "create or continue a campaign and run it as the deployed function does", runCampaign},
	{"Secrets and keys in SSM Parameter Store", "keys prompts", keysFlags, "what make secrets asks for: one line per X app secret the stage's functions read", runKeys},
	{"", "keys store", keysFlags, "store those secrets, read on stdin; create the keys the stage lacks (never replace one)", runKeys},
	{"", "keys rotate", keysFlags, "make a new token encryption key current, keeping the old ones", runKeys},
	{"", "keys reseal", keysFlags, "re-encrypt every user's tokens with the current key", runKeys},
	{"", "keys retire", keysFlags, "count sealed values by key id; delete the old keys when none is sealed with one", runKeys},
	{"", "keys key-id", keysFlags, "print the current encryption key's id (never the key), for make deploy", runKeys},
	{"", "keys rotate-edge", keysFlags, "make a new origin header secret current, keeping the previous one accepted", runKeys},
	{"", "keys edge-id", keysFlags, "print the origin header secret's id (never the secret), for make deploy", runKeys},
	{"Sealed values", "unseal", "-context token:<uid> [-key-file FILE] [sealed value, or on stdin]", "open a sealed value; the keys are typed (echo off) or read from -key-file, never arguments", runUnseal},
}

// usageError is a command line the command cannot run; line is the usage
// of the command it names (or of tws).
type usageError struct{ msg, line string }

func (u usageError) Error() string { return "usage: " + u.msg }

// helpRequest is a command's -h: run prints its usage and flags on stdout.
type helpRequest struct{ fs *flag.FlagSet }

func (helpRequest) Error() string { return "help requested" }

// parseFlags parses a command's flags: -h is a helpRequest; a bad flag, and
// an argument after the flags unless positional allows them, a usage error.
func parseFlags(fs *flag.FlagSet, args []string, positional bool) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return helpRequest{fs}
	case err != nil:
		return usageError{msg: err.Error()}
	case fs.NArg() > 0 && !positional:
		return usageError{msg: "unexpected arguments: " + strings.Join(fs.Args(), " ")}
	}
	return nil
}

const topUsage = "usage: tws <command> [flags]; tws -h lists the commands, tws <command> -h its flags"

// run is the command line without the process around it.
func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usageError{line: topUsage}
	}
	if isHelp(args[0]) || args[0] == "help" {
		if len(args) > 1 && !isHelp(args[1]) { // tws help forget
			return run(ctx, append(args[1:], "-h"), e)
		}
		printCommands(e.out, "")
		return nil
	}
	c, rest, ok := find(args)
	if !ok {
		return unknown(args, e)
	}
	err := c.run(ctx, c.name, rest, e)
	var h helpRequest
	var u usageError
	switch {
	case errors.As(err, &h):
		fmt.Fprintf(e.out, "usage: tws %s %s\n\n%s\n\nflags:\n", c.name, c.synopsis, c.summary)
		h.fs.SetOutput(e.out)
		h.fs.PrintDefaults()
		return nil
	case errors.As(err, &u):
		u.line = fmt.Sprintf("usage: tws %s %s; tws %s -h lists its flags", c.name, c.synopsis, c.name)
		return u
	}
	return err
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// find is the command that args name, and the arguments after its name.
func find(args []string) (command, []string, bool) {
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], true
		}
	}
	return command{}, nil, false
}

// unknown answers a command line that names no command: the keys group
// alone lists its commands (on stdout for -h, else as a usage error).
func unknown(args []string, e env) error {
	if args[0] == "keys" {
		if len(args) > 1 && isHelp(args[1]) {
			printCommands(e.out, "keys ")
			return nil
		}
		var b strings.Builder
		printCommands(&b, "keys ")
		msg := "keys needs a command"
		if len(args) > 1 {
			msg = fmt.Sprintf("unknown command %q", "keys "+args[1])
		}
		return usageError{msg: msg, line: strings.TrimRight(b.String(), "\n")}
	}
	return usageError{msg: fmt.Sprintf("unknown command %q", args[0]), line: topUsage}
}

// printCommands lists the commands whose name starts with prefix, one line
// each, under their group's heading.
func printCommands(w io.Writer, prefix string) {
	if prefix == "" {
		fmt.Fprintln(w, "tws: the brand's operator commands (run in the repository: they read serverless.yml)")
		fmt.Fprintf(w, "\n%s\n", topUsage)
	} else {
		fmt.Fprintf(w, "usage: tws %s<command> %s; tws %s<command> -h lists its flags\n", prefix, keysFlags, prefix)
	}
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		if !strings.HasPrefix(c.name, prefix) {
			continue
		}
		if c.group != "" && prefix == "" {
			fmt.Fprintf(w, "\n%s:\n", c.group)
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
}
