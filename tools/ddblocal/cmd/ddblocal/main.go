// Command ddblocal runs DynamoDB Local with the tables of serverless.yml.
//
//	ddblocal [-port 8000] [-stage local] [-data DIR]
//	    runs in the foreground until Ctrl-C (make ddb).
//	ddblocal [-port 0] [-stage ''] -- COMMAND [ARG...]
//	    runs COMMAND with AWS_ENDPOINT_URL_DYNAMODB pointing at the emulator,
//	    stops the emulator and exits with COMMAND's status (one emulator for
//	    a whole `go test ./...`).
//
// An empty -stage creates no table.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

func main() {
	port := flag.Int("port", 8000, "port to listen on (0: any free port)")
	stage := flag.String("stage", "local", "create the tables of serverless.yml for this stage ('' for none)")
	data := flag.String("data", "", "keep the data in this folder (default: in memory)")
	flag.Parse()

	code, err := run(*port, *stage, *data, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = cmp.Or(code, 1)
	}
	os.Exit(code)
}

func run(port int, stage, data string, command []string) (int, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var emulatorOut io.Writer = os.Stderr
	if len(command) > 0 {
		emulatorOut = nil // the command's output is what matters
	}
	srv, err := ddblocal.Start(ctx, ddblocal.Options{Port: port, DataDir: data, Stdout: emulatorOut})
	if err != nil {
		return 1, err
	}
	defer srv.Stop()

	if stage != "" {
		root, err := slsyml.RepoRoot()
		if err != nil {
			return 1, err
		}
		client, err := ddblocal.Client(ctx, srv.Endpoint())
		if err != nil {
			return 1, err
		}
		if err := ddblocal.CreateTables(ctx, client, root, stage); err != nil {
			return 1, err
		}
		list, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil {
			return 1, err
		}
		fmt.Fprintf(os.Stderr, "ddblocal: tables %s\n", strings.Join(list.TableNames, ", "))
	}

	if len(command) == 0 {
		fmt.Fprintf(os.Stderr, "ddblocal: DynamoDB Local at %s (Ctrl-C stops it)\n  export AWS_ENDPOINT_URL_DYNAMODB=%s\n",
			srv.Endpoint(), srv.Endpoint())
		select {
		case <-ctx.Done():
			return 0, nil
		case <-srv.Done():
			return 1, errors.New("ddblocal: DynamoDB Local exited")
		}
	}

	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL_DYNAMODB="+srv.Endpoint())
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	return 0, err
}
