// Command dev runs the whole service on this machine, as `make dev` does:
// DynamoDB Local with the tables of serverless.yml, the X sandbox, the
// functions' handlers served over HTTP (the same code the Lambdas run), the
// users table's stream relayed to twitter_actions as Lambda would, and the
// landing page. Ctrl-C stops everything.
//
// Visitors sign in with OAuth 2.0 (PKCE) or OAuth 1.0a: -protocol picks one,
// by default the local stage's signinProtocol (oauth2). The sandbox knows the
// app's credentials of both, so users of either kind keep working when the
// stack restarts with the other.
//
// With real X keys in .env.local (see README), the sandbox is not started and
// the functions talk to X itself; then the token encryption key and the link
// signing key must be the operator's own (.env.local), never serverless.yml's
// public development keys.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/devserver"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	reset    bool
	protocol string // "" keeps the stage's SIGNIN_PROTOCOL
	data     string // DynamoDB Local's data folder
	envFile  string
	ddbPort  int
	limits   limits
}

func parseFlags() options {
	var o options
	flag.BoolVar(&o.reset, "reset", false, "start with empty tables (deletes the data folder)")
	flag.StringVar(&o.protocol, "protocol", "", "how visitors sign in: oauth2 (OAuth 2.0 with PKCE) or oauth1 (OAuth 1.0a); default: the local stage's SIGNIN_PROTOCOL (serverless.yml's signinProtocol, oauth2)")
	flag.StringVar(&o.data, "data", ".dev/dynamodb", "folder keeping DynamoDB Local's data between runs (relative to the repository)")
	flag.StringVar(&o.envFile, "env-file", ".env.local", "KEY=VALUE lines overriding the local stage of serverless.yml (real X keys)")
	flag.IntVar(&o.ddbPort, "ddb-port", 8000, "DynamoDB Local port (0: any free port)")
	// The API Gateway and Lambda limits come from serverless.yml (local stage);
	// these flags override them, e.g. to see a throttle without a big flood.
	flag.Float64Var(&o.limits.rate, "rate", -1, "requests per second of each route's token bucket (-1: serverless.yml's ThrottlingRateLimit)")
	flag.IntVar(&o.limits.burst, "burst", -1, "size of each route's token bucket (-1: serverless.yml's ThrottlingBurstLimit)")
	flag.IntVar(&o.limits.signinConcurrency, "signin-concurrency", -1, "generate_session's reserved concurrency (-1: serverless.yml's reservedConcurrency)")
	flag.BoolVar(&o.limits.off, "no-throttle", false, "turn off the emulated route throttling, reserved concurrency and edge rules")
	flag.BoolVar(&o.limits.noEdge, "no-edge", false, "turn off the emulated edge (the WAF web ACL's per-client rules and Origin rule)")
	flag.Parse()
	return o
}

func run() error {
	o := parseFlags()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c, err := configure(o)
	if err != nil {
		return err
	}
	// The ports first: a port in use fails here, before DynamoDB Local starts,
	// and nothing else can take them while the JVM starts.
	listeners, err := listen(c.urls.hosts())
	defer func() {
		for _, ln := range listeners {
			ln.Close() // after Serve they are closed already; before it, this frees them
		}
	}()
	if err != nil {
		return err
	}
	ddb, err := startDynamoDB(ctx, c.stage.Root, o.ddbPort, c.dataDir)
	if err != nil {
		return err
	}
	defer ddb.Stop()

	// The functions read their configuration from the environment, as under Lambda.
	c.stage.UseDynamoDBLocal(ddb.Endpoint(), os.Getenv)
	for k, v := range c.stage.Env {
		os.Setenv(k, v)
	}
	fns, err := loadFunctions(ctx)
	if err != nil {
		return err
	}
	servers, err := newServers(ctx, c, fns)
	if err != nil {
		return err
	}
	errc := make(chan error, len(servers))
	for i, s := range servers {
		go func() { errc <- s.Serve(listeners[i]) }()
	}
	printBanner(os.Stdout, banner{
		urls: c.urls, protocol: describeProtocol(fns.signIn.Config),
		table: c.stage.Env["TWITTER_TABLE"], gateway: describeGateway(c.gateway, c.signinLimit),
		envFile: o.envFile, fromEnvFile: c.stage.FromEnvFile, dynamoDB: ddb.Endpoint(), dataDir: c.dataDir,
	})
	err = waitForStop(ctx, errc, ddb)
	shutdown(servers)
	fmt.Println("stopped")
	return err
}

// config is what the stack is made of, before anything starts.
type config struct {
	stage       *ddblocal.LocalStage
	dataDir     string // absolute
	gateway     *devserver.Gateway
	signinLimit *devserver.Concurrency // nil: unreserved
	urls        stackURLs
}

// configure reads the local stage (and the env file) and the gateway's
// settings, and empties the data folder with -reset.
func configure(o options) (config, error) {
	var c config
	stage, err := ddblocal.LoadLocalStage(o.envFile)
	if err != nil {
		return c, err
	}
	c.stage, c.dataDir = stage, stage.Path(o.data)
	if o.reset {
		if err := os.RemoveAll(c.dataDir); err != nil {
			return c, err
		}
	}
	if c.gateway, c.signinLimit, err = gateway(stage.Root, stage.Env, o.limits); err != nil {
		return c, err
	}
	if c.urls, err = parseStackURLs(stage.Env, o.envFile); err != nil {
		return c, err
	}
	public, err := slsyml.Environment(stage.Root, "local")
	if err != nil {
		return c, err
	}
	if err := checkRealXKeys(stage.Env, public, c.urls, o.envFile); err != nil {
		return c, err
	}
	protocol, err := useProtocol(stage.Env, o.protocol)
	if err != nil {
		return c, err
	}
	return c, checkAuthorizeURL(stage.Env, c.urls, protocol, o.envFile)
}

// waitForStop waits for Ctrl-C, a server's failure or DynamoDB Local's end.
func waitForStop(ctx context.Context, errc <-chan error, ddb *ddblocal.Server) error {
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	case <-ddb.Done():
		err = errors.New("DynamoDB Local exited")
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
