package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/devserver"
	"github.com/twitter-sessions/twitter-sessions/tools/streamrelay"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// stackURLs are where the stack serves, from the local stage's environment.
type stackURLs struct {
	site, callback, x *url.URL
	sandbox           bool // X is local: the sandbox serves it
}

func parseStackURLs(env map[string]string, envFile string) (stackURLs, error) {
	var u stackURLs
	for _, v := range []struct {
		key string
		to  **url.URL
	}{{"SITE_CALLBACK_URL", &u.site}, {"TWITTER_CALLBACK_URL", &u.callback}, {"TWITTER_API_BASE_URL", &u.x}} {
		parsed, err := url.Parse(env[v.key])
		if err != nil || parsed.Host == "" {
			return u, fmt.Errorf("%s=%q is not an absolute URL (set it in %s or serverless.yml's local params)", v.key, env[v.key], envFile)
		}
		*v.to = parsed
	}
	u.sandbox = isLoopback(u.x)
	return u, nil
}

// hosts are the addresses to listen on, in the order of newServers.
func (u stackURLs) hosts() []string {
	if u.sandbox {
		return []string{u.x.Host, u.callback.Host}
	}
	return []string{u.callback.Host}
}

// listen listens on each host; on an error it returns the listeners opened
// before it too, for the caller to close.
func listen(hosts []string) ([]net.Listener, error) {
	var listeners []net.Listener
	for _, host := range hosts {
		ln, err := net.Listen("tcp", host)
		if err != nil {
			return listeners, fmt.Errorf("listening on %s: %w (is another `make dev` running?)", host, err)
		}
		listeners = append(listeners, ln)
	}
	return listeners, nil
}

// startDynamoDB starts DynamoDB Local on dataDir and creates the local
// stage's tables in it (those that do not exist yet).
func startDynamoDB(ctx context.Context, root string, port int, dataDir string) (*ddblocal.Server, error) {
	ddb, err := ddblocal.Start(ctx, ddblocal.Options{Dir: root, Port: port, DataDir: dataDir})
	if err != nil {
		return nil, err
	}
	client, err := ddblocal.Client(ctx, ddb.Endpoint())
	if err == nil {
		err = ddblocal.CreateTables(ctx, client, root, "local")
	}
	if err != nil {
		ddb.Stop()
		return nil, err
	}
	return ddb, nil
}

// newServers builds the X sandbox's server (when X is local) and the site's:
// the landing page and the functions behind the emulated API Gateway. It
// starts relaying the users table's stream to twitter_actions.
func newServers(ctx context.Context, c config, fns functions) ([]*http.Server, error) {
	stage, u := c.stage, c.urls
	var servers []*http.Server
	if u.sandbox {
		// The app of both protocols: the stage's protocol decides how new
		// sign-ins happen, and users of the other kind keep acting.
		sb := xsandbox.New(xsandbox.Options{
			ConsumerKey:      stage.Env["TWITTER_CONSUMER_KEY"],
			ConsumerSecret:   stage.Env["TWITTER_CONSUMER_SECRET"],
			ClientID:         stage.Env["TWITTER_CLIENT_ID"],
			ClientSecret:     stage.Env["TWITTER_CLIENT_SECRET"],
			AllowedCallbacks: []string{stage.Env["TWITTER_CALLBACK_URL"]},
		})
		servers = append(servers, &http.Server{Handler: sb, ReadHeaderTimeout: 5 * time.Second})
	}
	if err := startRelay(ctx, stage, fns.actions); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", c.gateway.Handler(api(fns, c.gateway, c.signinLimit)))
	mux.Handle("/", http.FileServer(http.Dir(filepath.Join(stage.Root, "site"))))
	if u.sandbox {
		// The landing page's "what happened on X" panel (site/dev-panel.js)
		// on the page's own origin: the sandbox is on another port and sends
		// no CORS headers. GET only: its control API stays off the site.
		mux.Handle("GET /_dev/x/", sandboxView(u.x))
	}
	return append(servers, &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}), nil
}

// functions are the three Lambdas' dependencies: one set per function, as
// each Lambda builds its own.
type functions struct{ signIn, callback, actions *app.Deps }

// loadFunctions starts the three functions as cold starts do, from the
// process's environment.
func loadFunctions(ctx context.Context) (functions, error) {
	var fns functions
	for _, f := range []struct {
		name string
		to   **app.Deps
	}{{"generate_session", &fns.signIn}, {"twitter_callback", &fns.callback}, {"twitter_actions", &fns.actions}} {
		deps, err := app.Load(ctx, os.Getenv, os.Stdout, f.name)
		if err != nil {
			return fns, err
		}
		*f.to = deps
	}
	return fns, nil
}

// startRelay relays the users table's stream to twitter_actions as Lambda
// would: the same event shape and the same filter, read from serverless.yml.
func startRelay(ctx context.Context, stage *ddblocal.LocalStage, actions *app.Deps) error {
	relay, err := streamrelay.NewLocal(ctx, streamrelay.LocalOptions{
		RepoRoot: stage.Root,
		Endpoint: stage.Env["AWS_ENDPOINT_URL_DYNAMODB"],
		Table:    stage.Env["TWITTER_TABLE"],
		Handler:  lambda.NewHandler(actions.Actions().Handle),
		Logf:     func(f string, a ...any) { fmt.Fprintf(os.Stderr, "stream relay: "+f+"\n", a...) },
	})
	if err != nil {
		return err
	}
	go func() { _ = relay.Run(ctx) }()
	return nil
}

// api is the API as API Gateway serves it: a token bucket per route (gw)
// and generate_session's reserved concurrency; the caller puts CORS over it.
func api(fns functions, gw *devserver.Gateway, signinLimit *devserver.Concurrency) http.Handler {
	logf := func(f string, a ...any) { fmt.Fprintf(os.Stderr, "api gateway: "+f+"\n", a...) }
	mux := http.NewServeMux()
	route := func(pattern, routeKey string, fn devserver.HTTPHandler, c *devserver.Concurrency) {
		mux.Handle(pattern, gw.Route(routeKey, devserver.Handler(fn, devserver.Options{RouteKey: routeKey, Concurrency: c, Logf: logf})))
	}
	route("/api/twitter-session", "POST /api/twitter-session", fns.signIn.StartSignIn(), signinLimit)
	// twitter_callback serves its two routes with one handler, as the Lambda does.
	callbackFn := fns.callback.CallbackRoutes()
	route("/api/twitter-callback", "GET /api/twitter-callback", callbackFn, nil)
	route("GET /api/unsubscribe", "GET /api/unsubscribe", callbackFn, nil)
	route("POST /api/unsubscribe", "POST /api/unsubscribe", callbackFn, nil)
	mux.Handle("/api/", devserver.NotFound)
	return mux
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
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())
}

func shutdown(servers []*http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(ctx)
	}
}

// banner is what the banner shows.
type banner struct {
	urls        stackURLs
	protocol    []string // describeProtocol
	table       string   // the users table, whose stream is relayed
	gateway     []string // describeGateway
	envFile     string   // as given on the command line
	fromEnvFile []string // the names it set
	dynamoDB    string   // endpoint
	dataDir     string
}

func printBanner(w io.Writer, b banner) {
	u := b.urls
	fmt.Fprintf(w, "\ntwitter-sessions is running (stage local)\n")
	fmt.Fprintf(w, "  landing page       %s\n", u.site)
	fmt.Fprintf(w, "  brand account      %s  (connect the sender of the DMs once: sign in as FOLLOW_UID)\n", u.site.JoinPath("brand.html"))
	fmt.Fprintf(w, "  sign-in (POST)     %s://%s/api/twitter-session\n", u.callback.Scheme, u.callback.Host)
	fmt.Fprintf(w, "  callback           %s\n", u.callback)
	printRows(w, "protocol", b.protocol)
	fmt.Fprintf(w, "  actions            the %s stream is relayed to twitter_actions (campaigns: make campaign)\n", b.table)
	printRows(w, "API Gateway", b.gateway)
	if u.sandbox {
		fmt.Fprintf(w, "  X sandbox          %s  (what happened on X: %s/_sandbox/)\n", u.x, u.x)
	} else {
		fmt.Fprintf(w, "  X                  %s  (real X: keys from %s: %v)\n", u.x, b.envFile, b.fromEnvFile)
	}
	fmt.Fprintf(w, "  DynamoDB Local     %s  (data in %s)\n", b.dynamoDB, b.dataDir)
	fmt.Fprintf(w, "Ctrl-C stops everything.\n\n")
}

// printRows prints lines under one label: the label on the first only.
func printRows(w io.Writer, label string, lines []string) {
	for i, line := range lines {
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(w, "  %-18s %s\n", label, line)
	}
}
