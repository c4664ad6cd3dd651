// Command campaign runs a promotional DM campaign on the local stack the way
// `serverless invoke -f twitter_actions --data '{"campaign":{...}}'` runs it
// on a deployed stage: the same handler, the same event, the configuration of
// the local stage of serverless.yml (overlaid with .env.local, as make dev
// does), and the Lambda's 15-minute budget per invocation.
//
//	go run ./tools/campaign -id launch-2026 -text "Our launch is live!"   create (or continue) and run
//	go run ./tools/campaign -id launch-2026                                continue it
//	go run ./tools/campaign -resume                                        what the schedule does
//
// With -until-done it invokes again after each run, waiting for X's window
// the way the schedule would, until the campaign is done. `make dev` must be
// running (DynamoDB Local and the X sandbox). Progress is printed from the
// campaign record while a run is going.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "campaign:", err)
		os.Exit(1)
	}
}

func run() error {
	id := flag.String("id", "", "campaign id (letters, digits, '.', '_', '-')")
	text := flag.String("text", "", "the DM's text: creates the campaign (an existing id must have the same text)")
	resume := flag.Bool("resume", false, "continue every campaign that is not done (what the schedule does)")
	untilDone := flag.Bool("until-done", false, "invoke again after each run, waiting for X's rate-limit window, until done")
	budget := flag.Duration("budget", 15*time.Minute, "time of one invocation (the Lambda's timeout)")
	every := flag.Duration("progress", 2*time.Second, "how often to print progress during a run")
	endpoint := flag.String("endpoint", "", "DynamoDB Local (default $AWS_ENDPOINT_URL_DYNAMODB, else http://127.0.0.1:8000)")
	envFile := flag.String("env-file", ".env.local", "KEY=VALUE lines overriding the local stage (as make dev reads them)")
	logs := flag.Bool("logs", false, "print the function's JSON log lines too")
	flag.Parse()

	if *budget < 2*app.ActionsMargin {
		return fmt.Errorf("-budget %s is too short: the function keeps %s free before its deadline", *budget, app.ActionsMargin)
	}
	var req actions.CampaignRequest
	switch {
	case *resume && *id == "" && *text == "":
		req.Resume = true
	case !*resume && *id != "":
		req.ID, req.Text = *id, *text
	default:
		flag.Usage()
		return errors.New("give -id (and -text to create it), or -resume")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := ddblocal.RepoRoot()
	if err != nil {
		return err
	}
	env, err := ddblocal.Environment(root, "local")
	if err != nil {
		return err
	}
	path := *envFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	if _, err := ddblocal.OverlayEnvFile(env, path); err != nil {
		return err
	}
	env["AWS_ENDPOINT_URL_DYNAMODB"] = firstNonEmpty(*endpoint, os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), "http://127.0.0.1:8000")
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"} {
		if env[k] == "" {
			env[k] = v
		}
	}
	var logOut io.Writer = io.Discard
	if *logs {
		logOut = os.Stderr
	}
	deps, err := app.Load(ctx, func(k string) string { return env[k] }, logOut, "twitter_actions")
	if err != nil {
		return err
	}
	h := deps.Actions()
	if h.Campaigns == nil {
		return actions.ErrNoCampaignsTable
	}
	store := campaigns.New(deps.DB, deps.Config.CampaignsTable)
	fmt.Printf("campaigns table %s on %s, X at %s, sender %s\n", deps.Config.CampaignsTable, env["AWS_ENDPOINT_URL_DYNAMODB"], deps.Config.APIBaseURL, deps.Config.FollowUID)

	start := time.Now()
	for n := 1; ; n++ {
		rep, err := invoke(ctx, h, req, *budget, store, *every)
		if err != nil {
			return err
		}
		wait, again := time.Duration(0), false
		for _, c := range rep.Campaigns {
			fmt.Printf("run %d: %-20s status %-19s stopped %-19s sent %d skipped %d failed %d unknown %d (this run: sent %d, x calls %d, 429s %d, waited %s, %s)\n",
				n, c.ID, c.Status, c.Stopped, c.Sent, c.Skipped, c.Failed, c.Unknown,
				c.Run.Sent, c.Run.XCalls, c.Run.RateLimited, c.Run.Waited.Round(time.Millisecond), c.Run.Elapsed.Round(time.Millisecond))
			switch c.Stopped {
			case actions.StopDeadline:
				// Another invocation continues where this one stopped, as
				// long as they get somewhere.
				again = c.Run.Sent+c.Run.Skipped+c.Run.Failed+c.Run.Unknown > 0
			case actions.StopBusy:
				again, wait = true, max(wait, 5*time.Second)
			case actions.StopRateLimited, actions.StopWaiting:
				again = true
				if c.ResumeAfter != nil {
					wait = max(wait, time.Until(*c.ResumeAfter)+time.Second)
				}
			}
			if c.LastError != "" {
				fmt.Printf("       last error: %s\n", c.LastError)
			}
		}
		if !*untilDone || !again {
			fmt.Printf("%d run(s) in %s\n", n, time.Since(start).Round(time.Millisecond))
			return nil
		}
		if req.ID != "" {
			req.Text = "" // created: continue it
		}
		if wait > 0 {
			fmt.Printf("waiting %s for X's window (the schedule would run every 15 minutes)\n", wait.Round(time.Second))
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
	}
}

// invoke runs one invocation with a Lambda-like context and prints the
// campaign records' progress while it runs.
func invoke(ctx context.Context, h *actions.Handler, req actions.CampaignRequest, budget time.Duration, store *campaigns.Store, every time.Duration) (actions.CampaignReport, error) {
	ictx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	ictx = lambdacontext.NewContext(ictx, &lambdacontext.LambdaContext{AwsRequestID: fmt.Sprintf("campaign-%d", time.Now().UnixNano())})
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				printProgress(ctx, store, req)
			}
		}
	}()
	payload, _ := json.Marshal(map[string]any{"campaign": req})
	out, err := h.Handle(ictx, payload)
	close(done)
	if err != nil {
		return actions.CampaignReport{}, err
	}
	rep, ok := out.(actions.CampaignReport)
	if !ok {
		return actions.CampaignReport{}, fmt.Errorf("unexpected answer %T", out)
	}
	return rep, nil
}

func printProgress(ctx context.Context, store *campaigns.Store, req actions.CampaignRequest) {
	var list []campaigns.Campaign
	if req.ID != "" {
		c, err := store.Get(ctx, req.ID)
		if err != nil {
			return
		}
		list = append(list, c)
	} else if l, err := store.Unfinished(ctx); err == nil {
		list = l
	}
	for _, c := range list {
		fmt.Printf("  ... %-20s %-19s sent %d skipped %d failed %d unknown %d\n", c.ID, c.Status, c.Sent, c.Skipped, c.Failed, c.Unknown)
	}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
