package xsandbox

import (
	"net/http"
	"slices"
	"strings"
)

// oauth2EndpointScopes are the scopes an OAuth 2.0 user token must hold on
// each v2 endpoint: those X's API reference lists for it, except that the
// follow endpoint does not require follows.read (X lists it; the sandbox
// accepts a token with or without it, so that a sign-in that asks only for
// follows.write can follow).
var oauth2EndpointScopes = map[string][]string{
	EndpointUsersMe: {"tweet.read", "users.read"},
	EndpointFollow:  {"follows.write", "tweet.read", "users.read"},
	EndpointDM:      {"dm.read", "dm.write", "tweet.read", "users.read"},
	EndpointTweet:   {"tweet.read", "tweet.write", "users.read"},
}

// RequiredScopes returns the OAuth 2.0 scopes a user token must hold on an
// endpoint (an Endpoint* name), sorted; nil for an endpoint that takes no
// user token.
func RequiredScopes(endpoint string) []string {
	return slices.Clone(oauth2EndpointScopes[endpoint])
}

func hasScope(scope, want string) bool {
	return slices.Contains(strings.Fields(scope), want)
}

// missingScopes returns the scopes of endpoint that scope lacks, sorted.
func missingScopes(scope, endpoint string) []string {
	var missing []string
	for _, want := range oauth2EndpointScopes[endpoint] {
		if !hasScope(scope, want) {
			missing = append(missing, want)
		}
	}
	return missing
}

// insufficientScope is what X answers a user token that lacks a scope of the
// endpoint: a 403 problem titled Forbidden, of type about:blank. The
// sandbox names the missing scopes in errors[].message (X's own answer
// leaves the developer guessing).
func insufficientScope(missing []string, granted string) reply {
	return problemDocReply(problem{
		Title:  "Forbidden",
		Detail: "Forbidden",
		Type:   "about:blank",
		Status: http.StatusForbidden,
		Errors: []problemError{{Message: "Missing scopes: " + strings.Join(missing, " ")}},
	}, "the OAuth 2.0 access token lacks scopes "+strings.Join(missing, " ")+" (granted: "+granted+")")
}

// scopeDescriptions are the plain words the consent page shows next to each
// scope: what the person lets the app see or do.
var scopeDescriptions = map[string]string{
	"tweet.read":           "See the posts you can see, including those of protected accounts (read only)",
	"users.read":           "See your profile and the accounts you can see (read only)",
	"users.email":          "See the email address of your account",
	"follows.read":         "See who you follow and who follows you",
	"follows.write":        "Follow and unfollow accounts for you",
	"tweet.write":          "Post and repost for you",
	"tweet.moderate.write": "Hide and unhide replies to your posts",
	"offline.access":       "Stay connected to your account until you revoke access",
	"dm.read":              "Read and send your Direct Messages",
	"dm.write":             "Read and send your Direct Messages",
	"space.read":           "See all the Spaces you can see",
	"mute.read":            "See the accounts you muted",
	"mute.write":           "Mute and unmute accounts for you",
	"like.read":            "See the posts you liked and the likes you can see",
	"like.write":           "Like and unlike posts for you",
	"list.read":            "See your Lists and the Lists you can see",
	"list.write":           "Create and manage Lists for you",
	"block.read":           "See the accounts you blocked",
	"block.write":          "Block and unblock accounts for you",
	"bookmark.read":        "See your bookmarks",
	"bookmark.write":       "Bookmark and remove bookmarks for you",
	"media.write":          "Upload media for you",
}

// ScopeDescription is the plain-words line the consent page shows for an
// OAuth 2.0 scope, "" for a scope X does not know.
func ScopeDescription(scope string) string {
	return scopeDescriptions[scope]
}
