package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRunServesUntilTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-callback", "http://localhost:8080/cb"}, &stdout, &stderr, ready)
	}()

	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("run returned early: %v (%s)", err, stderr.String())
	case <-time.After(5 * time.Second):
		t.Fatal("the sandbox did not start")
	}
	resp, err := http.Get(base + "/_sandbox/state")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"username":"alice"`) {
		t.Errorf("state: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(stdout.String(), base) {
		t.Errorf("stdout %q does not print the URL %s", stdout.String(), base)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the sandbox did not stop")
	}
}

func TestRunNeedsACallback(t *testing.T) {
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0"}, io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "-callback") {
		t.Errorf("err = %v, want one naming -callback", err)
	}
}

func TestCallbackFlagTakesRepeatsAndCommas(t *testing.T) {
	var c callbackList
	for _, v := range []string{"https://a.example/cb, https://b.example/cb", "https://c.example/cb", " "} {
		if err := c.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"https://a.example/cb", "https://b.example/cb", "https://c.example/cb"}; !slices.Equal(c, want) {
		t.Errorf("callbacks %q, want %q", c, want)
	}
}
