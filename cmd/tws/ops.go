// The brand's view of a stage (subscribers, stats, campaigns, forget) on its
// tables. -stage local is make dev's DynamoDB Local (-endpoint, else
// $AWS_ENDPOINT_URL_DYNAMODB, else http://127.0.0.1:8000, with the local
// stage of serverless.yml and .env.local, as make campaign reads them);
// staging and production are AWS, with the SDK's default credentials
// (AWS_PROFILE, SSO, the environment) in the stage's region. Data goes to
// stdout (or -out), everything else (the stage line, progress, errors) to
// stderr. The work is in package ops.

package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/twitter-sessions/twitter-sessions/ops"
)

// flags are every command's flags; each command reads its own.
type flags struct {
	stage, envFile, endpoint string
	format, out, uid         string
	days, every              int
	pageSize                 int
	yes, skipRevoke          bool
}

func parse(cmd string, args []string) (flags, error) {
	var f flags
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.StringVar(&f.stage, "stage", "", "local, staging or production")
	fs.StringVar(&f.envFile, "env-file", ".env.local", "local: KEY=VALUE lines over the local stage (as make dev reads them)")
	fs.StringVar(&f.endpoint, "endpoint", "", "local: DynamoDB Local (default $AWS_ENDPOINT_URL_DYNAMODB, else http://127.0.0.1:8000)")
	fs.IntVar(&f.every, "progress", 10000, "print a progress line on stderr every N users read")
	fs.IntVar(&f.pageSize, "page-size", ops.DefaultPageSize, "items per Scan request")
	switch cmd {
	case "subscribers":
		fs.StringVar(&f.format, "format", "csv", "csv, or json (JSON Lines: one object per line)")
	case "stats":
		fs.StringVar(&f.format, "format", "table", "table (text), or html (a self-contained page written to -out)")
		fs.IntVar(&f.days, "days", 30, "how many days back, today (UTC) included")
		fs.StringVar(&f.out, "out", "", "html: the file to write (default .build/stats-<stage>.html)")
	case "forget":
		fs.StringVar(&f.uid, "uid", "", "the person's X id")
		fs.BoolVar(&f.yes, "yes", false, "do not ask for confirmation")
		fs.BoolVar(&f.skipRevoke, "skip-revoke", false, "erase even when X cannot revoke the token")
	}
	if err := parseFlags(fs, args, false); err != nil {
		return f, err
	}
	return f, check(cmd, f)
}

// check refuses what a command cannot do before the stage is opened.
func check(cmd string, f flags) error {
	switch {
	case cmd == "forget" && f.uid == "":
		return usageError{msg: "forget needs -uid (make forget UID=<the person's X id>)"}
	case cmd == "subscribers":
		_, err := ops.ParseFormat(f.format)
		return err
	case cmd == "stats" && !slices.Contains([]string{"table", "html"}, strings.ToLower(f.format)):
		return fmt.Errorf("FORMAT=%s: want table or html", f.format)
	}
	return nil
}

// runOps runs subscribers, stats, campaigns or forget (name) on the stage
// that args name.
func runOps(ctx context.Context, name string, args []string, e env) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, err := parse(name, args)
	if err != nil {
		return err
	}
	t, err := e.resolve(ctx, ops.Options{Stage: f.stage, EnvFile: f.envFile, Endpoint: f.endpoint, Getenv: e.getenv})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.errOut, t.Describe())
	progress := &ops.Progress{W: e.errOut, What: name + ": ", Every: f.every}
	switch name {
	case "subscribers":
		return subscribers(ctx, t, f, e, progress)
	case "stats":
		return stats(ctx, t, f, e, progress)
	case "campaigns":
		r, err := t.Campaigns(ctx, e.now())
		if err != nil {
			return err
		}
		r.Write(e.out, t.Stage)
		return nil
	default:
		return forget(ctx, t, f, e)
	}
}

func subscribers(ctx context.Context, t *ops.Target, f flags, e env, p *ops.Progress) error {
	format, err := ops.ParseFormat(f.format)
	if err != nil {
		return err
	}
	if _, err := t.Subscribers(ctx, e.out, format, int32(f.pageSize), p); err != nil {
		return err
	}
	p.Done()
	return nil
}

func stats(ctx context.Context, t *ops.Target, f flags, e env, p *ops.Progress) error {
	html := strings.EqualFold(f.format, "html")
	now := e.now()
	s, err := t.Stats(ctx, f.days, now, int32(f.pageSize), p)
	if err != nil {
		return err
	}
	p.Done()
	if !html {
		return s.WriteTable(e.out, t.Stage)
	}
	path := f.out
	if path == "" {
		path = filepath.Join(".build", "stats-"+t.Stage+".html")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := s.WriteHTML(file, t.Stage, now); err != nil {
		file.Close()
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.errOut, "stats: wrote %s (open it in a browser; it loads nothing else)\n", path)
	return nil
}

func forget(ctx context.Context, t *ops.Target, f flags, e env) error {
	s, err := t.Secrets(ctx)
	if err != nil {
		return err
	}
	fg := &ops.Forget{Target: t, Opener: s.Opener, Grants: s.Grants(), RefKey: s.RefKey, SkipRevoke: f.skipRevoke}
	if !f.yes {
		fg.Confirm = confirm(e.in, e.errOut)
	}
	var told time.Time
	fg.Waiting = func(until time.Time) {
		if !until.Equal(told) {
			told = until
			fmt.Fprintf(e.errOut, "forget: a token refresh of this person is under way (its lease ends %s): waiting for it, so that the grant X returns is revoked too\n", until.Format(time.RFC3339))
		}
	}
	res, err := fg.Run(ctx, f.uid)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.out, res.Line(t.Stage))
	return nil
}

// confirm shows what is about to be erased and wants "yes" typed back.
func confirm(in io.Reader, out io.Writer) func(string) (bool, error) {
	return func(summary string) (bool, error) {
		fmt.Fprintf(out, "about to erase %s\nthis deletes the user's item and revokes their token at X; it cannot be undone.\ntype yes to erase: ", summary)
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && line == "" {
			return false, fmt.Errorf("no answer on the terminal (%w): type yes, or give YES=1", err)
		}
		return strings.TrimSpace(line) == "yes", nil
	}
}
