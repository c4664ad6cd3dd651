// Command twitter_callback is the Lambda behind GET /api/twitter-callback: it
// finishes a "Sign in with X", stores the user and sends the browser to the
// site with the result. It also serves /api/unsubscribe.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
)

func main() {
	deps, err := app.Load(context.Background(), os.Getenv, os.Stdout, "twitter_callback")
	if err != nil {
		fmt.Fprintln(os.Stderr, "twitter_callback:", err)
		os.Exit(1)
	}
	// GET /api/twitter-callback finishes sign-ins; /api/unsubscribe serves
	// the signed link at the foot of every DM.
	lambda.Start(deps.CallbackRoutes())
}
