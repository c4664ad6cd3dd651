// tws campaign runs a promotional DM campaign on the local stack the way
// `serverless invoke -f twitter_actions --data '{"campaign":{...}}'` runs it
// on a deployed stage: the same handler, the same event, the configuration of
// the local stage of serverless.yml (overlaid with .env.local, as make dev
// does), and the Lambda's 15-minute budget per invocation.
//
//	tws campaign -id launch-2026 -text "Our launch is live!"   create (or continue) and run
//	tws campaign -id launch-2026                                continue it
//	tws campaign -resume                                        what the schedule does
//
// With -until-done it invokes again after each run, waiting for X's window
// the way the schedule would, until the campaign is done. `make dev` must be
// running (DynamoDB Local and the X sandbox). Progress is printed from the
// campaign record while a run is going.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/campaignstore"
	"github.com/twitter-sessions/twitter-sessions/shared/dispatch"
	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
)

// options are the command line.
type options struct {
	req       campaigns.Request
	untilDone bool
	budget    time.Duration // of one invocation
	every     time.Duration // between progress lines
	endpoint  string
	envFile   string
	logs      bool
}

// runCampaign runs make campaign's command line on the local stack.
func runCampaign(ctx context.Context, name string, args []string, e env) error {
	o, err := campaignFlags(name, args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	stage, err := ddblocal.LoadLocalStage(o.envFile)
	if err != nil {
		return err
	}
	env := stage.Env
	// The handler reads only this environment, never the process's.
	stage.UseDynamoDBLocal(firstNonEmpty(o.endpoint, e.getenv("AWS_ENDPOINT_URL_DYNAMODB"), "http://127.0.0.1:8000"),
		func(k string) string { return env[k] })
	var logOut io.Writer = io.Discard
	if o.logs {
		logOut = e.errOut
	}
	deps, err := app.Load(ctx, func(k string) string { return env[k] }, logOut, "twitter_actions")
	if err != nil {
		return err
	}
	h := deps.Actions()
	if h.Campaigns == nil {
		return dispatch.ErrNoCampaignsTable
	}
	store := campaignstore.New(deps.DB, deps.Config.CampaignsTable)
	fmt.Fprintf(e.out, "campaigns table %s on %s, X at %s, sender %s\n", deps.Config.CampaignsTable, env["AWS_ENDPOINT_URL_DYNAMODB"], deps.Config.APIBaseURL, deps.Config.FollowUID)
	return runs(ctx, e.out, o, h, store)
}

func campaignFlags(name string, args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	id := fs.String("id", "", "campaign id (letters, digits, '.', '_', '-')")
	text := fs.String("text", "", "the DM's text: creates the campaign (an existing id must have the same text)")
	resume := fs.Bool("resume", false, "continue every campaign that is not done (what the schedule does)")
	fs.BoolVar(&o.untilDone, "until-done", false, "invoke again after each run, waiting for X's rate-limit window, until done")
	fs.DurationVar(&o.budget, "budget", 15*time.Minute, "time of one invocation (the Lambda's timeout)")
	fs.DurationVar(&o.every, "progress", 2*time.Second, "how often to print progress during a run")
	fs.StringVar(&o.endpoint, "endpoint", "", "DynamoDB Local (default $AWS_ENDPOINT_URL_DYNAMODB, else http://127.0.0.1:8000)")
	fs.StringVar(&o.envFile, "env-file", ".env.local", "KEY=VALUE lines overriding the local stage (as make dev reads them)")
	fs.BoolVar(&o.logs, "logs", false, "print the function's JSON log lines too")
	if err := parseFlags(fs, args, false); err != nil {
		return o, err
	}

	if o.budget < 2*boot.TwitterActions.Margin {
		return o, fmt.Errorf("-budget %s is too short: the function keeps %s free before its deadline", o.budget, boot.TwitterActions.Margin)
	}
	switch {
	case *resume && *id == "" && *text == "":
		o.req.Resume = true
	case !*resume && *id != "":
		o.req.ID, o.req.Text = *id, *text
	default:
		return o, usageError{msg: "give -id (and -text to create it), or -resume"}
	}
	return o, nil
}

// runs invokes the function once, or with -until-done again after each run
// that stopped where another one gets further, waiting for X's window.
func runs(ctx context.Context, w io.Writer, o options, h *dispatch.Handler, store *campaignstore.Store) error {
	req := o.req
	start := time.Now()
	for n := 1; ; n++ {
		rep, err := invoke(ctx, w, h, req, o.budget, store, o.every)
		if err != nil {
			return err
		}
		again, wait := reportRun(w, n, rep)
		if !o.untilDone || !again {
			fmt.Fprintf(w, "%d run(s) in %s\n", n, time.Since(start).Round(time.Millisecond))
			return nil
		}
		if req.ID != "" {
			req.Text = "" // created: continue it
		}
		if wait > 0 {
			fmt.Fprintf(w, "waiting %s for X's window (the schedule would run every 15 minutes)\n", wait.Round(time.Second))
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
	}
}

// reportRun prints what run n did to each campaign, and says whether
// another run would get further and after how long.
func reportRun(w io.Writer, n int, rep campaigns.Report) (again bool, wait time.Duration) {
	for _, c := range rep.Campaigns {
		fmt.Fprintf(w, "run %d: %-20s status %-19s stopped %-19s sent %d skipped %d failed %d unknown %d (this run: sent %d, x calls %d, 429s %d, waited %s, %s)\n",
			n, c.ID, c.Status, c.Stopped, c.Sent, c.Skipped, c.Failed, c.Unknown,
			c.Run.Sent, c.Run.XCalls, c.Run.RateLimited, c.Run.Waited.Round(time.Millisecond), c.Run.Elapsed.Round(time.Millisecond))
		if a, w, decided := nextRun(c, time.Now()); decided {
			again, wait = a, max(wait, w)
		}
		if c.LastError != "" {
			fmt.Fprintf(w, "       last error: %s\n", c.LastError)
		}
	}
	return again, wait
}

// nextRun is what the way c stopped says about another run: whether it
// would get further, and how long after now to wait first. decided is
// false when the way it stopped says nothing.
func nextRun(c campaigns.Result, now time.Time) (again bool, wait time.Duration, decided bool) {
	switch c.Stopped {
	case campaigns.StopDeadline:
		// Another invocation continues where this one stopped, as long as
		// they get somewhere.
		return c.Run.Sent+c.Run.Skipped+c.Run.Failed+c.Run.Unknown > 0, 0, true
	case campaigns.StopBusy:
		return true, 5 * time.Second, true
	case campaigns.StopRateLimited, campaigns.StopWaiting:
		if c.ResumeAfter != nil {
			wait = c.ResumeAfter.Sub(now) + time.Second
		}
		return true, wait, true
	}
	return false, 0, false
}

// invoke runs one invocation with a Lambda-like context and prints the
// campaign records' progress while it runs.
func invoke(ctx context.Context, w io.Writer, h *dispatch.Handler, req campaigns.Request, budget time.Duration, store *campaignstore.Store, every time.Duration) (campaigns.Report, error) {
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
				printProgress(ctx, w, store, req)
			}
		}
	}()
	payload, _ := json.Marshal(map[string]any{"campaign": req})
	out, err := h.Handle(ictx, payload)
	close(done)
	if err != nil {
		return campaigns.Report{}, err
	}
	rep, ok := out.(campaigns.Report)
	if !ok {
		return campaigns.Report{}, fmt.Errorf("unexpected answer %T", out)
	}
	return rep, nil
}

func printProgress(ctx context.Context, w io.Writer, store *campaignstore.Store, req campaigns.Request) {
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
		fmt.Fprintf(w, "  ... %-20s %-19s sent %d skipped %d failed %d unknown %d\n", c.ID, c.Status, c.Sent, c.Skipped, c.Failed, c.Unknown)
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
