// Command unseal opens a value sealed by the service (a user's token or
// secret, a session's request secret) for an operator.
//
//	TOKEN_ENCRYPTION_KEY=... go run ./tools/unseal -context token:<uid> <sealed value>
//
// The keys come from TOKEN_ENCRYPTION_KEY and TOKEN_ENCRYPTION_OLD_KEYS (never
// from a flag, which would land in the shell history). The context is the
// field and the owner the value was sealed for: token:<uid>, secret:<uid>,
// or session:<request_token>.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
)

func main() {
	context := flag.String("context", "", "what the value was sealed for: token:<uid>, secret:<uid> or session:<request_token>")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: TOKEN_ENCRYPTION_KEY=<base64> unseal -context token:<uid> [sealed value, or on stdin]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*context, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "unseal:", err)
		os.Exit(1)
	}
}

func run(context string, args []string) error {
	if context == "" {
		flag.Usage()
		return fmt.Errorf("-context is required")
	}
	var keys [][]byte
	for i, b64 := range append([]string{os.Getenv("TOKEN_ENCRYPTION_KEY")}, strings.Split(os.Getenv("TOKEN_ENCRYPTION_OLD_KEYS"), ",")...) {
		if strings.TrimSpace(b64) == "" {
			if i == 0 {
				return fmt.Errorf("TOKEN_ENCRYPTION_KEY is not set")
			}
			continue
		}
		k, err := seal.ParseKey(b64)
		if err != nil {
			return fmt.Errorf("key %d %w", i+1, err)
		}
		keys = append(keys, k)
	}
	s, err := seal.New(keys[0], keys[1:]...)
	if err != nil {
		return err
	}
	value := ""
	if len(args) > 0 {
		value = args[0]
	} else {
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		value = strings.TrimSpace(line)
	}
	plain, err := s.Open(value, context)
	if err != nil {
		return err
	}
	fmt.Println(plain)
	return nil
}
