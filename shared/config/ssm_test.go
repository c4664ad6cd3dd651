package config

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// This checks the request against what the SSM JSON protocol and SigV4
// require, and the reading of its answers (tools/ssmlocal answers it in the
// key rotation tests, but does not check signatures).
func TestSSMGetParametersSendsOneSignedCall(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		body, _ := io.ReadAll(r.Body)
		auth := r.Header.Get("Authorization")
		switch {
		case r.Method != http.MethodPost,
			r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameters",
			r.Header.Get("Content-Type") != "application/x-amz-json-1.1",
			!strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261125/eu-west-1/ssm/aws4_request"),
			!strings.Contains(auth, "SignedHeaders=") || !strings.Contains(auth, "Signature="),
			r.Header.Get("X-Amz-Security-Token") != "session",
			!strings.HasPrefix(string(body), `{"Names":["/`) || !strings.HasSuffix(string(body), `"],"WithDecryption":true}`):
			t.Errorf("request %s %v %s", r.Method, r.Header, body)
		}
		if strings.Contains(string(body), "/denied") {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"AccessDeniedException","message":"not allowed"}`)
			return
		}
		io.WriteString(w, `{"InvalidParameters":["/b"],"Parameters":[{"Name":"/a","Type":"SecureString","Value":"s3cret","Version":1}]}`)
	}))
	defer srv.Close()
	env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": "session"}
	cfg, err := AWS(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s := SSM{AWS: cfg, Endpoint: srv.URL, Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
	got, err := s.GetParameters(context.Background(), []string{"/a", "/b"})
	if err != nil || len(got) != 1 || got["/a"] != "s3cret" || calls != 1 {
		t.Fatalf("got %v err %v calls %d", got, err, calls)
	}
	if _, err := s.GetParameters(context.Background(), []string{"/denied"}); err == nil || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Fatalf("a refusal: %v", err)
	}
}

func TestAWSNeedsTheLambdaEnvironment(t *testing.T) {
	_, err := AWS(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "AWS_REGION") || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Fatalf("err = %v", err)
	}
}
