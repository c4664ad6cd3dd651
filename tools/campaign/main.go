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

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "campaign:", err)
		os.Exit(1)
	}
}

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

func run() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stage, err := ddblocal.LoadLocalStage(o.envFile)
	if err != nil {
		return err
	}
	env := stage.Env
	// The handler reads only this environment, never the process's.
	stage.UseDynamoDBLocal(firstNonEmpty(o.endpoint, os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), "http://127.0.0.1:8000"),
		func(k string) string { return env[k] })
	var logOut io.Writer = io.Discard
	if o.logs {
		logOut = os.Stderr
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
	fmt.Printf("campaigns table %s on %s, X at %s, sender %s\n", deps.Config.CampaignsTable, env["AWS_ENDPOINT_URL_DYNAMODB"], deps.Config.APIBaseURL, deps.Config.FollowUID)
	return runs(ctx, o, h, store)
}

func parseFlags() (options, error) {
	var o options
	id := flag.String("id", "", "campaign id (letters, digits, '.', '_', '-')")
	text := flag.String("text", "", "the DM's text: creates the campaign (an existing id must have the same text)")
	resume := flag.Bool("resume", false, "continue every campaign that is not done (what the schedule does)")
	flag.BoolVar(&o.untilDone, "until-done", false, "invoke again after each run, waiting for X's rate-limit window, until done")
	flag.DurationVar(&o.budget, "budget", 15*time.Minute, "time of one invocation (the Lambda's timeout)")
	flag.DurationVar(&o.every, "progress", 2*time.Second, "how often to print progress during a run")
	flag.StringVar(&o.endpoint, "endpoint", "", "DynamoDB Local (default $AWS_ENDPOINT_URL_DYNAMODB, else http://127.0.0.1:8000)")
	flag.StringVar(&o.envFile, "env-file", ".env.local", "KEY=VALUE lines overriding the local stage (as make dev reads them)")
	flag.BoolVar(&o.logs, "logs", false, "print the function's JSON log lines too")
	flag.Parse()

	if o.budget < 2*boot.TwitterActions.Margin {
		return o, fmt.Errorf("-budget %s is too short: the function keeps %s free before its deadline", o.budget, boot.TwitterActions.Margin)
	}
	switch {
	case *resume && *id == "" && *text == "":
		o.req.Resume = true
	case !*resume && *id != "":
		o.req.ID, o.req.Text = *id, *text
	default:
		flag.Usage()
		return o, errors.New("give -id (and -text to create it), or -resume")
	}
	return o, nil
}

// runs invokes the function once, or with -until-done again after each run
// that stopped where another one gets further, waiting for X's window.
func runs(ctx context.Context, o options, h *dispatch.Handler, store *campaignstore.Store) error {
	req := o.req
	start := time.Now()
	for n := 1; ; n++ {
		rep, err := invoke(ctx, h, req, o.budget, store, o.every)
		if err != nil {
			return err
		}
		again, wait := reportRun(n, rep)
		if !o.untilDone || !again {
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

// reportRun prints what run n did to each campaign, and says whether
// another run would get further and after how long.
func reportRun(n int, rep campaigns.Report) (again bool, wait time.Duration) {
	for _, c := range rep.Campaigns {
		fmt.Printf("run %d: %-20s status %-19s stopped %-19s sent %d skipped %d failed %d unknown %d (this run: sent %d, x calls %d, 429s %d, waited %s, %s)\n",
			n, c.ID, c.Status, c.Stopped, c.Sent, c.Skipped, c.Failed, c.Unknown,
			c.Run.Sent, c.Run.XCalls, c.Run.RateLimited, c.Run.Waited.Round(time.Millisecond), c.Run.Elapsed.Round(time.Millisecond))
		if a, w, decided := nextRun(c); decided {
			again, wait = a, max(wait, w)
		}
		if c.LastError != "" {
			fmt.Printf("       last error: %s\n", c.LastError)
		}
	}
	return again, wait
}

// nextRun is what the way c stopped says about another run: whether it
// would get further, and how long to wait first. decided is false when the
// way it stopped says nothing.
func nextRun(c campaigns.Result) (again bool, wait time.Duration, decided bool) {
	switch c.Stopped {
	case campaigns.StopDeadline:
		// Another invocation continues where this one stopped, as long as
		// they get somewhere.
		return c.Run.Sent+c.Run.Skipped+c.Run.Failed+c.Run.Unknown > 0, 0, true
	case campaigns.StopBusy:
		return true, 5 * time.Second, true
	case campaigns.StopRateLimited, campaigns.StopWaiting:
		if c.ResumeAfter != nil {
			wait = time.Until(*c.ResumeAfter) + time.Second
		}
		return true, wait, true
	}
	return false, 0, false
}

// invoke runs one invocation with a Lambda-like context and prints the
// campaign records' progress while it runs.
func invoke(ctx context.Context, h *dispatch.Handler, req campaigns.Request, budget time.Duration, store *campaignstore.Store, every time.Duration) (campaigns.Report, error) {
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
		return campaigns.Report{}, err
	}
	rep, ok := out.(campaigns.Report)
	if !ok {
		return campaigns.Report{}, fmt.Errorf("unexpected answer %T", out)
	}
	return rep, nil
}

func printProgress(ctx context.Context, store *campaignstore.Store, req campaigns.Request) {
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
