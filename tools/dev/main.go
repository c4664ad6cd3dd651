// Command dev runs the whole service on this machine, as `make dev` does:
// DynamoDB Local with the tables of serverless.yml, the X sandbox, the
// functions' handlers served over HTTP (the same code the Lambdas run), the
// users table's stream relayed to twitter_actions as Lambda would, and the
// landing page. Ctrl-C stops everything.
//
// With real X keys in .env.local (see README), the sandbox is not started and
// the functions talk to X itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/devserver"
	"github.com/twitter-sessions/twitter-sessions/tools/streamrelay"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run() error {
	reset := flag.Bool("reset", false, "start with empty tables (deletes the data folder)")
	data := flag.String("data", ".dev/dynamodb", "folder keeping DynamoDB Local's data between runs (relative to the repository)")
	envFile := flag.String("env-file", ".env.local", "KEY=VALUE lines overriding the local stage of serverless.yml (real X keys)")
	ddbPort := flag.Int("ddb-port", 8000, "DynamoDB Local port (0: any free port)")
	// The API Gateway and Lambda limits come from serverless.yml (local stage);
	// these flags override them, e.g. to see a throttle without a big flood.
	rate := flag.Float64("rate", -1, "requests per second of each route's token bucket (-1: serverless.yml's ThrottlingRateLimit)")
	burst := flag.Int("burst", -1, "size of each route's token bucket (-1: serverless.yml's ThrottlingBurstLimit)")
	signinConcurrency := flag.Int("signin-concurrency", -1, "generate_session's reserved concurrency (-1: serverless.yml's reservedConcurrency)")
	noThrottle := flag.Bool("no-throttle", false, "turn off the emulated route throttling and reserved concurrency")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root, err := ddblocal.RepoRoot()
	if err != nil {
		return err
	}
	envPath := *envFile
	if !filepath.IsAbs(envPath) {
		envPath = filepath.Join(root, envPath)
	}
	env, overridden, err := localEnv(root, envPath)
	if err != nil {
		return err
	}

	dataDir := *data
	if !filepath.IsAbs(dataDir) {
		dataDir = filepath.Join(root, dataDir)
	}
	if *reset {
		if err := os.RemoveAll(dataDir); err != nil {
			return err
		}
	}
	gw, signinLimit, err := gateway(root, env, limits{rate: *rate, burst: *burst, signinConcurrency: *signinConcurrency, off: *noThrottle})
	if err != nil {
		return err
	}
	var site, callback, xBase *url.URL
	for _, u := range []struct {
		key string
		to  **url.URL
	}{{"SITE_CALLBACK_URL", &site}, {"TWITTER_CALLBACK_URL", &callback}, {"TWITTER_API_BASE_URL", &xBase}} {
		parsed, err := url.Parse(env[u.key])
		if err != nil || parsed.Host == "" {
			return fmt.Errorf("%s=%q is not an absolute URL (set it in %s or serverless.yml's local params)", u.key, env[u.key], *envFile)
		}
		*u.to = parsed
	}
	useSandbox := isLoopback(xBase)

	// The ports first: a port in use fails here, before DynamoDB Local starts,
	// and nothing else can take them while the JVM starts.
	var listeners []net.Listener
	defer func() {
		for _, ln := range listeners {
			ln.Close() // after Serve they are closed already; before it, this frees them
		}
	}()
	hosts := []string{callback.Host}
	if useSandbox {
		hosts = []string{xBase.Host, callback.Host} // in the order of servers below
	}
	for _, host := range hosts {
		ln, err := net.Listen("tcp", host)
		if err != nil {
			return fmt.Errorf("listening on %s: %w (is another `make dev` running?)", host, err)
		}
		listeners = append(listeners, ln)
	}

	ddb, err := ddblocal.Start(ctx, ddblocal.Options{Dir: root, Port: *ddbPort, DataDir: dataDir})
	if err != nil {
		return err
	}
	defer ddb.Stop()
	client, err := ddblocal.Client(ctx, ddb.Endpoint())
	if err != nil {
		return err
	}
	if err := ddblocal.CreateTables(ctx, client, root, "local"); err != nil {
		return err
	}

	// The functions read their configuration from the environment, as under Lambda.
	env["AWS_ENDPOINT_URL_DYNAMODB"] = ddb.Endpoint()
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": "us-east-1"} {
		if os.Getenv(k) == "" {
			env[k] = v
		}
	}
	for k, v := range env {
		os.Setenv(k, v)
	}

	var servers []*http.Server
	if useSandbox {
		sb := xsandbox.New(xsandbox.Options{
			ConsumerKey:      env["TWITTER_CONSUMER_KEY"],
			ConsumerSecret:   env["TWITTER_CONSUMER_SECRET"],
			AllowedCallbacks: []string{env["TWITTER_CALLBACK_URL"]},
		})
		servers = append(servers, &http.Server{Handler: sb, ReadHeaderTimeout: 5 * time.Second})
	}

	// One set of dependencies per function, as each Lambda builds its own.
	gen, err := app.Load(ctx, os.Getenv, os.Stdout, "generate_session")
	if err != nil {
		return err
	}
	cb, err := app.Load(ctx, os.Getenv, os.Stdout, "twitter_callback")
	if err != nil {
		return err
	}
	act, err := app.Load(ctx, os.Getenv, os.Stdout, "twitter_actions")
	if err != nil {
		return err
	}
	// The users table's stream, relayed to twitter_actions as Lambda would:
	// the same event shape and the same filter, read from serverless.yml.
	relay, err := streamrelay.NewLocal(ctx, streamrelay.LocalOptions{
		RepoRoot: root,
		Endpoint: ddb.Endpoint(),
		Table:    env["TWITTER_TABLE"],
		Handler:  lambda.NewHandler(act.Actions().Handle),
		Logf:     func(f string, a ...any) { fmt.Fprintf(os.Stderr, "stream relay: "+f+"\n", a...) },
	})
	if err != nil {
		return err
	}
	go func() { _ = relay.Run(ctx) }()

	// The API as API Gateway serves it: CORS over all of it, a token bucket
	// per route, and generate_session's reserved concurrency.
	logf := func(f string, a ...any) { fmt.Fprintf(os.Stderr, "api gateway: "+f+"\n", a...) }
	api := http.NewServeMux()
	route := func(pattern, routeKey string, fn devserver.HTTPHandler, c *devserver.Concurrency) {
		api.Handle(pattern, gw.Route(routeKey, devserver.Handler(fn, devserver.Options{RouteKey: routeKey, Concurrency: c, Logf: logf})))
	}
	route("/api/twitter-session", "POST /api/twitter-session", gen.SignIn().StartSignIn, signinLimit)
	// twitter_callback serves its two routes with one handler, as the Lambda does.
	callbackFn := cb.CallbackRoutes()
	route("/api/twitter-callback", "GET /api/twitter-callback", callbackFn, nil)
	route("GET /api/unsubscribe", "GET /api/unsubscribe", callbackFn, nil)
	route("POST /api/unsubscribe", "POST /api/unsubscribe", callbackFn, nil)
	api.Handle("/api/", devserver.NotFound)
	mux := http.NewServeMux()
	mux.Handle("/api/", gw.Handler(api))
	mux.Handle("/", http.FileServer(http.Dir(filepath.Join(root, "site"))))
	if useSandbox {
		// The landing page's "what happened on X" panel (site/dev-panel.js)
		// on the page's own origin: the sandbox is on another port and sends
		// no CORS headers. GET only: its control API stays off the site.
		mux.Handle("GET /_dev/x/", sandboxView(xBase))
	}
	servers = append(servers, &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second})

	errc := make(chan error, len(servers))
	for i, s := range servers {
		go func() { errc <- s.Serve(listeners[i]) }()
	}

	fmt.Printf("\ntwitter-sessions is running (stage local)\n")
	fmt.Printf("  landing page       %s\n", site)
	fmt.Printf("  sign-in (POST)     %s://%s/api/twitter-session\n", callback.Scheme, callback.Host)
	fmt.Printf("  callback           %s\n", callback)
	fmt.Printf("  actions            the %s stream is relayed to twitter_actions (campaigns: make campaign)\n", env["TWITTER_TABLE"])
	for i, line := range describeGateway(gw, signinLimit) {
		label := "API Gateway"
		if i > 0 {
			label = ""
		}
		fmt.Printf("  %-18s %s\n", label, line)
	}
	if useSandbox {
		fmt.Printf("  X sandbox          %s  (what happened on X: %s/_sandbox/)\n", xBase, xBase)
	} else {
		fmt.Printf("  X                  %s  (real X: keys from %s: %v)\n", xBase, *envFile, overridden)
	}
	fmt.Printf("  DynamoDB Local     %s  (data in %s)\n", ddb.Endpoint(), dataDir)
	fmt.Printf("Ctrl-C stops everything.\n\n")

	select {
	case <-ctx.Done():
	case err = <-errc:
	case <-ddb.Done():
		err = errors.New("DynamoDB Local exited")
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(shut)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	fmt.Println("stopped")
	return err
}

// sandboxView serves GET /_dev/x/<path> from the sandbox's /_sandbox/<path>:
// its panel (/_dev/x/) and its JSON state (/_dev/x/state).
func sandboxView(sandbox *url.URL) http.Handler {
	return &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(sandbox)
		r.Out.URL.Path = "/_sandbox/" + strings.TrimPrefix(r.In.URL.Path, "/_dev/x/")
		r.Out.URL.RawPath = ""
	}}
}

func isLoopback(u *url.URL) bool {
	if u == nil {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())
}
