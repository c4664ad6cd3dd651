package xsandbox

import (
	"fmt"
	"net/http"
)

// AccessLevel is what an OAuth 1.0a token may do. OAuth 1.0a has no scopes:
// a request token asks, with x_auth_access_type, for less than the app's own
// permission level, and the access token it becomes carries that level.
type AccessLevel string

// The access levels. The sandbox's app is a "Read and write and Direct
// message" app, so LevelDM is its own level, given when the request token
// names no x_auth_access_type.
const (
	LevelRead  AccessLevel = "read"  // x_auth_access_type=read: read the profile and posts
	LevelWrite AccessLevel = "write" // x_auth_access_type=write: read, post and follow
	LevelDM    AccessLevel = "dm"    // the app's own level: read, write and Direct Messages
)

// Valid reports whether l is one of the three levels.
func (l AccessLevel) Valid() bool {
	return l == LevelRead || l == LevelWrite || l == LevelDM
}

// allows reports whether a token at level l may call endpoint: users/me at
// any level; a follow or a post needs write (or the app's level); a DM needs
// the app's level, as only it includes Direct Messages.
func (l AccessLevel) allows(endpoint string) bool {
	switch endpoint {
	case EndpointFollow, EndpointTweet:
		return l == LevelWrite || l == LevelDM
	case EndpointDM:
		return l == LevelDM
	}
	return l.Valid()
}

// paramAccessType is the request_token parameter with which an app asks for
// less than its own permission level.
const paramAccessType = "x_auth_access_type"

// accessTypeLevel reads x_auth_access_type among a request token's signed
// parameters: absent is the app's own level, read and write are theirs, and
// anything else (another word, an empty value, the parameter twice) is
// refused with 403 code 195, as X answers an invalid parameter.
func accessTypeLevel(sr *signedRequest) (AccessLevel, *reply) {
	vs, ok := sr.params[paramAccessType]
	if !ok {
		return LevelDM, nil
	}
	if len(vs) == 1 && (vs[0] == "read" || vs[0] == "write") {
		return AccessLevel(vs[0]), nil
	}
	rep := v1ErrorReply(http.StatusForbidden, 195, fmt.Sprintf("x_auth_access_type %q is not read or write", vs))
	return "", &rep
}

// oauth1PermissionsProblem is X's 403 for a v2 call made with an OAuth 1.0a
// token whose level does not allow it.
func oauth1PermissionsProblem(level AccessLevel, endpoint string) reply {
	return problemDocReply(problem{
		Title:  "Forbidden",
		Detail: "Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.",
		Type:   ProblemOAuth1Permissions,
		Status: http.StatusForbidden,
	}, fmt.Sprintf("the OAuth 1.0a access token's level %q does not allow %s", level, endpoint))
}

// levelPermissions is what the authorize page says an app will be able to
// do at each level, and levelLimits what it will not.
var (
	levelPermissions = map[AccessLevel][]string{
		LevelRead:  {"Read your posts and profile"},
		LevelWrite: {"Read your posts and profile", "Post and follow for you"},
		LevelDM:    {"Read your posts and profile", "Post and follow for you", "Read and send your Direct Messages"},
	}
	levelLimits = map[AccessLevel]string{
		LevelRead:  "It will not be able to post, follow or see your Direct Messages.",
		LevelWrite: "It will not be able to see or send your Direct Messages.",
	}
)

// LevelPermissions returns the plain-words lines the OAuth 1.0a authorize
// page lists for a level.
func LevelPermissions(l AccessLevel) []string {
	return append([]string(nil), levelPermissions[l]...)
}
