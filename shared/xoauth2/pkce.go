package xoauth2

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// randomBytes is the entropy of a state and of a verifier: 256 bits. A
// verifier of 32 random octets is 43 characters of base64url, the shortest
// RFC 7636 section 4.1 allows and the length it recommends; a state needs
// only to be unguessable (RFC 6749 10.12), and the same length serves.
const randomBytes = 32

// random returns randomBytes from r in base64url without padding.
func random(r io.Reader) (string, error) {
	b := make([]byte, randomBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("xoauth2: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// challengeS256 is the code_challenge of a verifier under S256:
// BASE64URL(SHA256(ASCII(code_verifier))) (RFC 7636 section 4.2). The
// plain method, which X also accepts, would hand the verifier to anyone
// who sees the authorize URL.
func challengeS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
