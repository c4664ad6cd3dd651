// tws unseal opens a value sealed by the service (a user's token or
// secret, a session's request secret) for an operator.
//
//	tws unseal -context token:<uid> '<sealed value>'   (asks for the keys, not echoed)
//	tws unseal -context token:<uid> -key-file keys.txt '<sealed value>'
//
// The keys never come from the command line, where they would land in the
// shell history and in the process list: not from an argument, and not from
// an environment variable set on the command line either. Without -key-file
// the command asks for them on the terminal with echo off: the current key,
// then the old keys (comma-separated; an empty line for none). A key file
// holds the current key on its first line and any old keys after it, one a
// line or comma-separated. The sealed value comes from the argument or, when
// there is none, from the first line of standard input. The context is the
// field and the owner the value was sealed for: token:<uid>, secret:<uid>,
// refresh:<uid> or session:<request_token>.

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
)

// runUnseal parses unseal's command line and opens the value.
func runUnseal(_ context.Context, name string, args []string, e env) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	sealedFor := fs.String("context", "", "what the value was sealed for: token:<uid>, secret:<uid>, refresh:<uid> or session:<request_token>")
	keyFile := fs.String("key-file", "", "a file holding the current key on its first line, then any old keys (default: ask on the terminal, echo off)")
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if *sealedFor == "" {
		return usageError{msg: "-context is required"}
	}
	return unseal(*sealedFor, *keyFile, fs.Args(), e.in, e.out, e.ask)
}

// ask reads the keys when no key file is given: the current key, then the
// old keys as a comma-separated list.
type ask func() (current, old string, err error)

func unseal(sealedFor, keyFile string, args []string, stdin io.Reader, out io.Writer, ask ask) error {
	if len(args) > 1 {
		return errors.New("one sealed value at most (the keys never go on the command line: -key-file, or typed when asked)")
	}
	var current, old string
	var err error
	if keyFile != "" {
		current, old, err = readKeyFile(keyFile)
	} else {
		current, old, err = ask()
	}
	if err != nil {
		return err
	}
	s, err := sealer(current, old)
	if err != nil {
		return err
	}
	value := ""
	if len(args) == 1 {
		value = args[0]
	} else {
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		value = strings.TrimSpace(line)
	}
	plain, err := s.Open(value, sealedFor)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, plain)
	return err
}

// sealer builds the Sealer of the keys; errors name a key by position only.
func sealer(current, old string) (*seal.Sealer, error) {
	if strings.TrimSpace(current) == "" {
		return nil, errors.New("no current key given")
	}
	cur, err := seal.ParseKey(current)
	if err != nil {
		return nil, fmt.Errorf("the current key %w", err)
	}
	olds, err := seal.ParseKeyList(old)
	if err != nil {
		return nil, fmt.Errorf("the old keys: %w", err)
	}
	return seal.New(cur, olds...)
}

// readKeyFile reads the current key from the first non-blank line of path
// and the old keys from the lines after it.
func readKeyFile(path string) (current, old string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("reading the key file: %w", err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "", "", fmt.Errorf("the key file %s is empty", path)
	}
	return lines[0], strings.Join(lines[1:], ","), nil
}

// askTerminal asks for the keys on the controlling terminal with echo off
// (stty, so the command needs nothing beyond the standard library).
func askTerminal() (current, old string, err error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", "", errors.New("no terminal to ask for the keys on: give them in a file with -key-file")
	}
	defer tty.Close()
	stty := func(arg string) error {
		cmd := exec.Command("stty", arg)
		cmd.Stdin = tty
		return cmd.Run()
	}
	if err := stty("-echo"); err != nil {
		return "", "", fmt.Errorf("turning the terminal's echo off: %w (use -key-file)", err)
	}
	defer func() {
		if rerr := stty("echo"); rerr != nil && err == nil {
			err = fmt.Errorf("turning the terminal's echo back on: %w", rerr)
		}
	}()
	return promptKeys(tty, tty)
}

// promptKeys asks the two questions on w and reads the answers from r.
func promptKeys(r io.Reader, w io.Writer) (current, old string, err error) {
	br := bufio.NewReader(r)
	readLine := func(prompt string) (string, error) {
		fmt.Fprint(w, prompt)
		line, err := br.ReadString('\n')
		fmt.Fprintln(w)
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", fmt.Errorf("reading the answer: %w", err)
		}
		return strings.TrimSpace(line), nil
	}
	if current, err = readLine("token encryption key (current): "); err != nil {
		return "", "", err
	}
	if old, err = readLine("old token encryption keys (comma-separated; empty for none): "); err != nil {
		return "", "", err
	}
	return current, old, nil
}
