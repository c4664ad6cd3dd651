package config

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SSM reads SecureString parameters, decrypted, from AWS Systems Manager
// Parameter Store with one signed GetParameters call.
//
// It is a plain SigV4-signed request (the SDK's own signer) rather than the
// SDK's ssm client: that package's initialisation alone costs 1.2-2 ms and
// 1.4 MB of allocations on every cold start of every function, for a call
// made once per cold start (measured with GODEBUG=inittrace=1, make bench).
type SSM struct {
	AWS aws.Config
	// Endpoint is "" on AWS (https://ssm.<region>.amazonaws.com); SSMEndpoint
	// gives the SDK's override, e.g. the SSM stand-in tools/ssmlocal.
	Endpoint string
	Now      func() time.Time
}

// SSMEndpoint is the SDK's own AWS_ENDPOINT_URL_SSM override (read here
// because LoadDefaultConfig is not used): tools/ssmlocal in local runs and
// tests, "" on AWS.
func SSMEndpoint(env Env) string { return strings.TrimSpace(env("AWS_ENDPOINT_URL_SSM")) }

// GetParameters fetches all names in one call (the API takes up to 10; the
// functions name at most six). Names that do not exist are left out of the
// map.
func (s SSM) GetParameters(ctx context.Context, names []string) (map[string]string, error) {
	body, err := json.Marshal(map[string]any{"Names": names, "WithDecryption": true})
	if err != nil {
		return nil, err
	}
	endpoint := s.Endpoint
	if endpoint == "" {
		endpoint = "https://ssm." + s.AWS.Region + ".amazonaws.com/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameters")
	creds, err := s.AWS.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("ssm: credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", s.AWS.Region, clock.Now(s.Now)); err != nil {
		return nil, fmt.Errorf("ssm: signing: %w", err)
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ssm: %w", err)
	}
	defer resp.Body.Close()
	return readParameters(resp)
}
