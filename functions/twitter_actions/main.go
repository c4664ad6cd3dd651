// Command twitter_actions is the Lambda behind the users table's stream
// (follow, welcome DM, opt-in tweet for users with pending actions), the
// direct campaign invocations ({"campaign":{...}}, and the resume schedule)
// and the sweep ({"sweep":{}}, scheduled).
package main

import (
	"github.com/twitter-sessions/twitter-sessions/shared/app/actionsfn"
	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
)

func main() { boot.Run("twitter_actions", actionsfn.TwitterActions) }
