// Command xsandbox serves the X sandbox (package xsandbox) on a local address
// for the dev stack and browser tests: point TWITTER_API_BASE_URL at the URL it
// prints. It stops on SIGINT or SIGTERM.
//
//	xsandbox -addr 127.0.0.1:8090 -callback http://localhost:8080/api/twitter-callback
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "xsandbox:", err)
		}
		os.Exit(2)
	}
}

// callbackList is a flag that may be repeated and may hold comma-separated
// URLs.
type callbackList []string

func (c *callbackList) String() string { return strings.Join(*c, ",") }

func (c *callbackList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*c = append(*c, part)
		}
	}
	return nil
}

// run serves until ctx is done. When ready is not nil it receives the base
// URL once the listener is open.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("xsandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	key := fs.String("consumer-key", xsandbox.DefaultConsumerKey, "the X app's consumer key")
	secret := fs.String("consumer-secret", xsandbox.DefaultConsumerSecret, "the X app's consumer secret")
	clientID := fs.String("client-id", "", "the X app's OAuth 2.0 client id (empty: OAuth 2.0 off)")
	clientSecret := fs.String("client-secret", "", "the X app's OAuth 2.0 client secret")
	var callbacks callbackList
	fs.Var(&callbacks, "callback", "an allowed callback URL (repeatable, or comma-separated); any other answers X error 415")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(callbacks) == 0 {
		return errors.New("at least one -callback is required: X refuses every sign-in whose callback is not on the app's list (error 415)")
	}

	logger := log.New(stderr, "", log.LstdFlags)
	sandbox := xsandbox.New(xsandbox.Options{
		ConsumerKey:      *key,
		ConsumerSecret:   *secret,
		ClientID:         *clientID,
		ClientSecret:     *clientSecret,
		AllowedCallbacks: callbacks,
		Logf:             logger.Printf,
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: sandbox, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "X sandbox listening on %s (panel: %s%s, allowed callbacks: %s)\n",
		base, base, xsandbox.ControlPrefix, callbacks.String())
	if ready != nil {
		ready <- base
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
