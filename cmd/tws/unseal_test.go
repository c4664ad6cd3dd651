package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
)

const (
	testKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	oldKey  = "HxwdHhsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA="
	uid     = "1234567890123456789"
)

func sealWith(t *testing.T, b64 string) string {
	t.Helper()
	k, err := seal.ParseKey(b64)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := seal.New(k)
	sealed, err := s.Seal("the-access-token", "token:"+uid)
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

func TestUnsealOpensAStoredValueForAnOperator(t *testing.T) {
	bin := t.TempDir() + "/unseal"
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the command: %v\n%s", err, out)
	}
	sealed := sealWith(t, testKey)
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	run := func(env []string, args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Run("the key from a file and the right context print the value", func(t *testing.T) {
		out, err := run(nil, "unseal", "-context", "token:"+uid, "-key-file", keyFile, sealed)
		if err != nil || !strings.Contains(out, "the-access-token") {
			t.Fatalf("%v: %s", err, out)
		}
	})
	t.Run("another context is refused", func(t *testing.T) {
		out, err := run(nil, "unseal", "-context", "token:1", "-key-file", keyFile, sealed)
		if err == nil || strings.Contains(out, "the-access-token") {
			t.Fatalf("opened: %s", out)
		}
	})
	// A key on the command line (an environment variable set there, or an
	// argument) lands in the shell history: neither is read.
	t.Run("a key in the environment is not read", func(t *testing.T) {
		cmd := exec.Command(bin, "unseal", "-context", "token:"+uid, sealed)
		cmd.Env = append(os.Environ(), "TOKEN_ENCRYPTION_KEY="+testKey)
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		if err == nil || strings.Contains(string(out), "the-access-token") {
			t.Fatalf("opened with a key from the environment: %s", out)
		}
	})
	t.Run("a key as an argument is not read", func(t *testing.T) {
		out, err := run(nil, "unseal", "-context", "token:"+uid, testKey, sealed)
		if err == nil || strings.Contains(out, "the-access-token") || strings.Contains(out, testKey) {
			t.Fatalf("%v: %s", err, out)
		}
	})
}

func TestKeyFileHoldsTheCurrentAndOldKeys(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte("\n"+testKey+"\n"+oldKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	noAsk := func() (string, string, error) { t.Fatal("asked despite -key-file"); return "", "", nil }
	if err := run(context.Background(), []string{"unseal", "-context", "token:" + uid, "-key-file", keyFile, sealWith(t, oldKey)}, env{out: &out, ask: noAsk}); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != "the-access-token" {
		t.Fatalf("printed %q", out.String())
	}
}

func TestTheKeysAreAskedForWhenNoFileIsGiven(t *testing.T) {
	var out bytes.Buffer
	asked := 0
	ask := func() (string, string, error) { asked++; return testKey, "", nil }
	// The sealed value on stdin, the keys from the prompt.
	if err := run(context.Background(), []string{"unseal", "-context", "token:" + uid}, env{in: strings.NewReader(sealWith(t, testKey) + "\n"), out: &out, ask: ask}); err != nil {
		t.Fatal(err)
	}
	if asked != 1 || strings.TrimSpace(out.String()) != "the-access-token" {
		t.Fatalf("asked %d times, printed %q", asked, out.String())
	}

	// The prompt reads the two answers and writes only the questions.
	var screen bytes.Buffer
	cur, old, err := promptKeys(strings.NewReader(testKey+"\n"+oldKey+"\n"), &screen)
	if err != nil || cur != testKey || old != oldKey {
		t.Fatalf("read %q, %q, %v", cur, old, err)
	}
	if strings.Contains(screen.String(), testKey) || strings.Contains(screen.String(), oldKey) {
		t.Fatalf("the prompt wrote a key: %q", screen.String())
	}
}
