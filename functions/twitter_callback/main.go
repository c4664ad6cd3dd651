// Command twitter_callback is the Lambda behind GET /api/twitter-callback: it
// finishes a "Sign in with X", stores the user and sends the browser to the
// site with the result. It also serves /api/unsubscribe, the signed link at
// the foot of every DM.
package main

import (
	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/app/signinfn"
)

func main() { boot.Run("twitter_callback", signinfn.TwitterCallback) }
