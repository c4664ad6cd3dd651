package xoauth2

import "github.com/twitter-sessions/twitter-sessions/shared/signin"

// Scopes are the OAuth 2.0 scopes a sign-in asks for: the least its sign-up
// uses, as X's API reference lists them for each call. X's consent page
// lists each one to the visitor, in words.
//
//   - Every sign-in: users.read tweet.read, what GET /2/users/me needs to
//     name the account that signed in.
//   - A visitor's follow through the API: follows.write (POST
//     /2/users/:id/following).
//   - A visitor's opt-in post: tweet.write (POST /2/tweets).
//   - The brand's start: dm.read dm.write (POST
//     /2/dm_conversations/with/:id/messages, the welcome DMs and campaigns)
//     and offline.access, the refresh token that keeps the sender connected
//     past the access token's two hours.
//
// A visitor is never asked for the DM scopes nor offline.access: their
// token does its work within minutes of the sign-in and is then revoked.
func Scopes(a signin.Access) []string {
	s := []string{"users.read", "tweet.read"}
	if a.Brand {
		return append(s, "dm.read", "dm.write", "offline.access")
	}
	if a.Follow {
		s = append(s, "follows.write")
	}
	if a.Post {
		s = append(s, "tweet.write")
	}
	return s
}
