package xsandbox

import (
	"net/http"
)

// handleInvalidateToken answers POST /1.1/oauth/invalidate_token (and its
// .json form): the app revokes a user's OAuth 1.0a access token. The
// request is signed in user context, with the consumer credentials and the
// very token (and its secret) it invalidates, and checked like every other
// OAuth 1.0a request here. On success the token is gone: every later call
// made with it is refused as one with an unknown token (a bare 401 on v2, 401
// code 89 here). A token the sandbox does not hold, one invalidated before,
// or one its user revoked answers 401 code 89, as X answers a token that is
// already invalid.
func (s *Sandbox) handleInvalidateToken(in *inbound) reply {
	return s.v1Limited(EndpointInvalidateToken, in, func() reply {
		sr, aerr := parseSignedRequest(in.r, in.body)
		if aerr != nil {
			return authErrorReply(aerr)
		}
		token := sr.get(paramToken)
		if token == "" {
			return authErrorReply(errBadAuthData("missing oauth_token: invalidate_token is signed with the access token it invalidates"))
		}
		at := s.accessTokens[token]
		if at == nil { // no secret to check the signature with
			return authErrorReply(errInvalidToken("unknown access token, or one invalidated already"))
		}
		// The signature first, as on access_token: a broken signer hears 32
		// or 135, not a verdict on the token.
		if aerr := s.verify(sr, at.secret, in.now); aerr != nil {
			return authErrorReply(aerr)
		}
		if at.revoked {
			rep := authErrorReply(errInvalidToken("access token revoked by user " + at.userID))
			rep.userID = at.userID
			return rep
		}
		delete(s.accessTokens, token)
		at.revoked, at.revokedBy = true, RevokedByApp // Grants still lists it
		rep := jsonReply(http.StatusOK, map[string]string{"access_token": token})
		rep.userID = at.userID
		return rep
	})
}
