package keyops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The origin header's secrets (serverless.yml's edgeSecretSsm and
// edgeOldSecretsSsm): what CloudFront sends to the HTTP API, and the one it
// sent before the last rotation (accepted while the new one spreads).
const (
	EdgeSecret     = "edge-secret"
	EdgeOldSecrets = "edge-old-secrets"
)

// StringStore writes String parameters. The edge secret is one, not a
// SecureString: CloudFormation resolves only String parameters
// ({{resolve:ssm:...}}) into CloudFront's origin header.
type StringStore interface {
	PutString(ctx context.Context, name, value string) error
}

func (s Stage) putString(ctx context.Context, param, value string) error {
	ss, ok := s.Store.(StringStore)
	if !ok {
		return fmt.Errorf("storing %s: this store cannot write String parameters", s.Name(param))
	}
	if err := ss.PutString(ctx, s.Name(param), value); err != nil {
		return fmt.Errorf("storing %s: %w", s.Name(param), err)
	}
	return nil
}

// EdgeSecretID is the id of an origin header secret: 8 hex digits of its
// SHA-256 (a name for it, as a key id names a key; not the secret).
func EdgeSecretID(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:4])
}

// StoreEdgeSecret is make secrets' part for the edge: it creates the origin
// header's secret when the stage has none, and keeps an existing one
// (make rotate-edge-secret replaces it).
func (s Stage) StoreEdgeSecret(ctx context.Context, out io.Writer) error {
	if v, ok, err := s.get(ctx, EdgeSecret); err != nil {
		return err
	} else if ok {
		fmt.Fprintf(out, "kept the existing %s (id %s; rotate it with make rotate-edge-secret)\n", s.Name(EdgeSecret), EdgeSecretID(v))
		return nil
	}
	v, err := NewKey()
	if err != nil {
		return err
	}
	if err := s.putString(ctx, EdgeSecret, v); err != nil {
		return err
	}
	fmt.Fprintf(out, "created %s (id %s): CloudFront's origin header secret, used when edgeProtection is on\n", s.Name(EdgeSecret), EdgeSecretID(v))
	return nil
}

var errNoEdgeSecret = errors.New("the stage has no origin header secret for its edge (edgeProtection): run make secrets once")

// RotateEdgeSecret is make rotate-edge-secret: the current secret becomes
// the accepted old one (written first, so a function starting at any moment
// accepts both), and a new one becomes current. The next make deploy gives
// CloudFront the new one; warm functions read it again when they first see
// it (web.EdgeGuard).
func (s Stage) RotateEdgeSecret(ctx context.Context, out io.Writer) error {
	cur, ok, err := s.get(ctx, EdgeSecret)
	if err != nil {
		return err
	}
	if !ok {
		return errNoEdgeSecret
	}
	if err := s.putString(ctx, EdgeOldSecrets, strings.TrimSpace(cur)); err != nil {
		return err
	}
	v, err := NewKey()
	if err != nil {
		return err
	}
	if err := s.putString(ctx, EdgeSecret, v); err != nil {
		return err
	}
	fmt.Fprintf(out, "new origin header secret %s; the previous one (%s) is still accepted. Next: make deploy (CloudFront sends the new one).\n",
		EdgeSecretID(v), EdgeSecretID(cur))
	return nil
}

// EdgeID is what make deploy passes as the edgeSecretId param: the current
// secret's id, "" when the stage has no edge protection, and an error when
// it has but lacks the secret (CloudFormation would fail later, after
// changing other things).
func (s Stage) EdgeID(ctx context.Context, edgeOn bool) (string, error) {
	v, ok, err := s.get(ctx, EdgeSecret)
	if err != nil {
		return "", err
	}
	if !ok {
		if edgeOn {
			return "", errNoEdgeSecret
		}
		return "", nil
	}
	return EdgeSecretID(v), nil
}
