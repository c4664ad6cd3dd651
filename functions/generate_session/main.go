// Command generate_session is the Lambda behind POST /api/twitter-session: it
// starts a "Sign in with X" and sends the browser to X.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
)

func main() {
	deps, err := app.Load(context.Background(), os.Getenv, os.Stdout, "generate_session")
	if err != nil {
		// Stop at start with a message naming what is wrong (no secret is
		// ever part of it), rather than failing the first request.
		fmt.Fprintln(os.Stderr, "generate_session:", err)
		os.Exit(1)
	}
	lambda.Start(deps.SignIn().StartSignIn)
}
