package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
)

// spaFormAction is the form's action in site/spa.html: the API on the page's
// own origin. A copy of the page on another origin names the API's URL there.
const spaFormAction = `action="/api/twitter-session"`

// startPages serves the repository's site/ from a port of its own on
// 127.0.0.1: another origin of the same site as api, the way a brand's page
// and its API are on two origins when deployed. Its spa.html is what a user
// copies: the same file with the form's action set to api's sign-in URL (so
// spa.js posts across origins) and without the dev panel. stop shuts the
// server down.
func startPages(root string, api *url.URL) (pages *url.URL, stop func(), err error) {
	dir := filepath.Join(root, "site")
	spa, err := os.ReadFile(filepath.Join(dir, "spa.html"))
	if err != nil {
		return nil, nil, err
	}
	if bytes.Count(spa, []byte(spaFormAction)) != 1 {
		return nil, nil, fmt.Errorf("site/spa.html has no single %s to point at the API", spaFormAction)
	}
	action := fmt.Sprintf(`action="%s"`, api.JoinPath("api/twitter-session"))
	spa = bytes.Replace(spa, []byte(spaFormAction), []byte(action), 1)
	// And without the local panel, as the page tells users to copy it: its
	// /_dev/x/ route exists only on tools/dev's own origin.
	var lines [][]byte
	for _, line := range bytes.SplitAfter(spa, []byte("\n")) {
		if !bytes.Contains(line, []byte(`src="dev-panel.js"`)) {
			lines = append(lines, line)
		}
	}
	spa = bytes.Join(lines, nil)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /spa.html", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(spa)
	})
	mux.Handle("GET /", http.FileServer(http.Dir(dir)))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return &url.URL{Scheme: "http", Host: ln.Addr().String(), Path: "/"}, stop, nil
}

// origin is the origin of u as a browser sends it in Origin.
func origin(u *url.URL) string { return origins.Of(u) }
