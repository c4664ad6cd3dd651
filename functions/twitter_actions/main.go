// Command twitter_actions is the Lambda behind the users table's stream
// (follow, welcome DM, opt-in tweet for users with pending actions) and the
// direct campaign invocations ({"campaign":{...}}, and the resume schedule).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
)

func main() {
	deps, err := app.Load(context.Background(), os.Getenv, os.Stdout, "twitter_actions")
	if err != nil {
		fmt.Fprintln(os.Stderr, "twitter_actions:", err)
		os.Exit(1)
	}
	lambda.Start(deps.Actions().Handle)
}
