package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// KeySize is the size of an AES-256 key in bytes.
const KeySize = 32

const version = "v1"

// ErrOpen is returned for any value that cannot be opened: malformed, sealed
// with an unknown key, tampered with, or bound to another context. The causes
// are deliberately not distinguished to callers beyond the wrapped text.
var ErrOpen = errors.New("seal: cannot open value")

// Box seals and opens values at rest: a *Sealer, or a *Keyring whose keys
// can change while a warm function runs. The stores take a Box.
type Box interface {
	Seal(plaintext, context string) (string, error)
	Open(sealed, context string) (string, error)
}

var (
	_ Box = (*Sealer)(nil)
	_ Box = (*Keyring)(nil)
)

// Sealer seals with one current key and opens with any of its keys.
// It is safe for concurrent use.
type Sealer struct {
	current string // key id of the sealing key
	aeads   map[string]cipher.AEAD
	rand    io.Reader
}

// New returns a Sealer that seals with current and also opens values sealed
// with any of old (previous keys kept during a rotation).
func New(current []byte, old ...[]byte) (*Sealer, error) {
	s := &Sealer{aeads: make(map[string]cipher.AEAD, 1+len(old)), rand: rand.Reader}
	for i, key := range append([][]byte{current}, old...) {
		if len(key) != KeySize {
			return nil, fmt.Errorf("seal: key %d is %d bytes, want %d", i, len(key), KeySize)
		}
		var aead cipher.AEAD
		block, err := aes.NewCipher(key)
		if err == nil {
			aead, err = cipher.NewGCM(block)
		}
		if err != nil {
			return nil, fmt.Errorf("seal: %w", err)
		}
		id := KeyID(key)
		if i == 0 {
			s.current = id
		}
		s.aeads[id] = aead
	}
	return s, nil
}

// ParseKey decodes a base64 (standard or URL alphabet, padded or not) key and
// checks its size. The error never contains the key material.
func ParseKey(b64 string) ([]byte, error) {
	b64 = strings.TrimSpace(b64)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(b64); err == nil {
			if len(key) != KeySize {
				return nil, fmt.Errorf("decodes to %d bytes, want %d", len(key), KeySize)
			}
			return key, nil
		}
	}
	return nil, errors.New("is not valid base64")
}

// KeyID names a key without revealing it: the first 4 bytes of its SHA-256,
// in hex. Operators see it in sealed values and in logs to tell keys apart.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

// CurrentKeyID is the id of the key new values are sealed with.
func (s *Sealer) CurrentKeyID() string { return s.current }

// Seal encrypts plaintext bound to context with the current key and a fresh
// random 96-bit nonce (NIST SP 800-38D 8.2.2: random nonces are safe far
// beyond the number of values this service will ever seal under one key).
func (s *Sealer) Seal(plaintext, context string) (string, error) {
	aead := s.aeads[s.current]
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := io.ReadFull(s.rand, buf); err != nil {
		return "", fmt.Errorf("seal: reading nonce: %w", err)
	}
	buf = aead.Seal(buf, buf[:aead.NonceSize()], []byte(plaintext), []byte(context))
	return version + "." + s.current + "." + base64.RawURLEncoding.EncodeToString(buf), nil
}

// Open decrypts a value produced by Seal with the same context.
func (s *Sealer) Open(sealed, context string) (string, error) {
	ver, rest, ok := strings.Cut(sealed, ".")
	if !ok || ver != version {
		return "", fmt.Errorf("%w: unknown format", ErrOpen)
	}
	id, body, ok := strings.Cut(rest, ".")
	if !ok {
		return "", fmt.Errorf("%w: unknown format", ErrOpen)
	}
	aead, ok := s.aeads[id]
	if !ok {
		return "", fmt.Errorf("%w: sealed with key %q, which is not configured", ErrOpen, id)
	}
	// Strict: a body whose last character carries non-zero padding bits
	// decodes to the same bytes as the canonical one; refusing it keeps one
	// sealed value to exactly one string, so a changed string never opens.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", fmt.Errorf("%w: malformed body", ErrOpen)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(context))
	if err != nil {
		return "", fmt.Errorf("%w: authentication failed (tampered, or another context)", ErrOpen)
	}
	return string(plain), nil
}

// KeyIDOf returns the key id a sealed value names, so a rotation job can tell
// which values still need re-sealing without opening them.
func KeyIDOf(sealed string) (string, bool) {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != version {
		return "", false
	}
	return parts[1], true
}

// ParseKeyList decodes a comma-separated list of keys (ParseKey each; blank
// entries are skipped, so an empty list is no keys). An error names the
// entry by its position, never its material.
func ParseKeyList(list string) ([][]byte, error) {
	var keys [][]byte
	for i, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, err := ParseKey(s)
		if err != nil {
			return nil, fmt.Errorf("entry %d %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
