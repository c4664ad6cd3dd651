// Package seal encrypts values at rest (OAuth request secrets, user access
// tokens) with AES-256-GCM.
//
// A sealed value is self-describing text that fits in a DynamoDB string:
//
//	v1.<key id>.<base64url(nonce || ciphertext || tag)>
//
// The key id lets keys rotate: a Sealer seals with its current key and opens
// values sealed by any key it still holds. Every value is bound to a context
// string (the additional authenticated data, for example "token:<uid>"), so a
// sealed value copied onto another user or another field does not open.
package seal
