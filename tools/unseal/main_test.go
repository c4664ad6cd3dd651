package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
)

func TestUnsealOpensAStoredValueForAnOperator(t *testing.T) {
	bin := t.TempDir() + "/unseal"
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the command: %v\n%s", err, out)
	}
	const key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	k, _ := seal.ParseKey(key)
	s, _ := seal.New(k)
	sealed, _ := s.Seal("the-access-token", "token:1234567890123456789")

	run := func(env []string, args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Run("the right key and context print the value", func(t *testing.T) {
		out, err := run([]string{"TOKEN_ENCRYPTION_KEY=" + key}, "-context", "token:1234567890123456789", sealed)
		if err != nil || !strings.Contains(out, "the-access-token") {
			t.Fatalf("%v: %s", err, out)
		}
	})
	t.Run("another context is refused", func(t *testing.T) {
		out, err := run([]string{"TOKEN_ENCRYPTION_KEY=" + key}, "-context", "token:1", sealed)
		if err == nil || strings.Contains(out, "the-access-token") {
			t.Fatalf("opened: %s", out)
		}
	})
	t.Run("a missing key is named", func(t *testing.T) {
		out, err := run([]string{"TOKEN_ENCRYPTION_KEY="}, "-context", "token:1", sealed)
		if err == nil || !strings.Contains(out, "TOKEN_ENCRYPTION_KEY is not set") {
			t.Fatalf("%v: %s", err, out)
		}
	})
}
