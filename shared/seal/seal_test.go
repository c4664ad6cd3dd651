package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestSealer(t *testing.T) {
	cur, err := New(key(1))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := cur.Seal("access-token-secret", "token:42")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a sealed value opens with the same context", func(t *testing.T) {
		got, err := cur.Open(sealed, "token:42")
		if err != nil || got != "access-token-secret" {
			t.Fatalf("Open = %q, %v", got, err)
		}
	})
	t.Run("the sealed form never contains the plaintext and names the key", func(t *testing.T) {
		if strings.Contains(sealed, "access-token-secret") {
			t.Fatal("plaintext leaked into the sealed value")
		}
		if id, ok := KeyIDOf(sealed); !ok || id != KeyID(key(1)) {
			t.Fatalf("KeyIDOf = %q, %v", id, ok)
		}
	})
	t.Run("sealing twice gives different values (random nonce)", func(t *testing.T) {
		again, _ := cur.Seal("access-token-secret", "token:42")
		if again == sealed {
			t.Fatal("two seals of the same value are identical")
		}
	})
	t.Run("a value bound to another context does not open", func(t *testing.T) {
		if _, err := cur.Open(sealed, "token:43"); !errors.Is(err, ErrOpen) {
			t.Fatalf("err = %v, want ErrOpen", err)
		}
	})
	t.Run("every tampered byte is detected", func(t *testing.T) {
		prefix := len(sealed) - len(strings.SplitN(sealed, ".", 3)[2])
		for i := prefix; i < len(sealed); i++ {
			b := []byte(sealed)
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
			if _, err := cur.Open(string(b), "token:42"); err == nil {
				t.Fatalf("tampering at byte %d went unnoticed", i)
			}
		}
	})
	t.Run("a non-canonical last character (padding bits set) is refused", func(t *testing.T) {
		// 47 bytes of nonce+ciphertext+tag leave 2 unused bits in the last
		// character; the non-strict decoder ignored them, so about 1 run in
		// 64 the tamper loop above flipped only those bits and still opened.
		head, body, _ := strings.Cut(sealed[len("v1."):], ".")
		last := strings.IndexByte(alphabet, body[len(body)-1])
		for bits := 1; bits < 4; bits++ {
			odd := body[:len(body)-1] + string(alphabet[last^bits])
			if _, err := cur.Open("v1."+head+"."+odd, "token:42"); !errors.Is(err, ErrOpen) {
				t.Fatalf("padding bits %d: err = %v, want ErrOpen", bits, err)
			}
		}
	})
	t.Run("after a rotation old values still open and new ones use the new key", func(t *testing.T) {
		rotated, err := New(key(2), key(1))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := rotated.Open(sealed, "token:42"); err != nil || got != "access-token-secret" {
			t.Fatalf("old value: %q, %v", got, err)
		}
		fresh, _ := rotated.Seal("v", "c")
		if id, _ := KeyIDOf(fresh); id != KeyID(key(2)) {
			t.Fatalf("new value sealed with %s, want the new key", id)
		}
		if _, err := cur.Open(fresh, "c"); !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "not configured") {
			t.Fatalf("a value sealed with a key the sealer lacks: %v", err)
		}
	})
	t.Run("malformed values are refused with ErrOpen, never a panic", func(t *testing.T) {
		for _, in := range []string{"", "v1", "v1.", "v1..", "v2.abc.def", "v1." + KeyID(key(1)) + ".!!!", "v1." + KeyID(key(1)) + ".AAAA"} {
			if _, err := cur.Open(in, "c"); !errors.Is(err, ErrOpen) {
				t.Errorf("Open(%q) err = %v", in, err)
			}
		}
	})
}

func TestNewRejectsBadKeys(t *testing.T) {
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
	if _, err := New(key(1), []byte("short")); err == nil {
		t.Fatal("a short old key was accepted")
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"standard base64 of 32 bytes is accepted", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", true},
		{"unpadded url base64 of 32 bytes is accepted", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", true},
		{"16 bytes are refused", "AAECAwQFBgcICQoLDA0ODw==", false},
		{"non-base64 is refused", "not a key!", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKey(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v", err)
			}
			if err != nil && strings.Contains(err.Error(), tt.in) {
				t.Fatal("the error repeats the key material")
			}
		})
	}
}

func FuzzOpen(f *testing.F) {
	s, _ := New(key(1))
	good, _ := s.Seal("secret", "ctx")
	for _, seed := range []string{good, "", "v1.x.y", "v1." + KeyID(key(1)) + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := s.Open(in, "ctx")
		if err == nil && in != good && out != "secret" {
			t.Fatalf("opened a forged value %q", in)
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	s, _ := New(key(1))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seal("1234567890123456789-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "token:1234567890123456789"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	s, _ := New(key(1))
	v, _ := s.Seal("1234567890123456789-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "token:1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open(v, "token:1"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseKeyList(t *testing.T) {
	a, b := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, KeySize)), base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{2}, KeySize))
	keys, err := ParseKeyList(" " + a + ",, " + b + " ,")
	if err != nil || len(keys) != 2 || keys[0][0] != 1 || keys[1][0] != 2 {
		t.Fatalf("ParseKeyList = %d keys, %v; want 2", len(keys), err)
	}
	if keys, err := ParseKeyList(""); err != nil || len(keys) != 0 {
		t.Fatalf("an empty list: %d keys, %v", len(keys), err)
	}
	_, err = ParseKeyList(a + ",not-a-key!")
	if err == nil || err.Error() != "entry 2 is not valid base64" || strings.Contains(err.Error(), a) {
		t.Fatalf("a bad entry: %v", err)
	}
}
