// Command generate_session is the Lambda behind POST /api/twitter-session: it
// starts a "Sign in with X" and sends the browser to X.
package main

import (
	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/app/signinfn"
)

func main() { boot.Run("generate_session", signinfn.GenerateSession) }
