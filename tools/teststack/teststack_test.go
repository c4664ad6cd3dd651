package teststack

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests change the process environment: none of them is parallel.

func TestDynamoDBIsRequiredUnderCIAndWithAnEndpoint(t *testing.T) {
	const endpoint = "http://127.0.0.1:8000"
	// {CI, AWS_ENDPOINT_URL_DYNAMODB}: required
	required := map[[2]string]bool{
		{"", ""}: false, {"false", ""}: false, {"true", ""}: true, {"1", ""}: true,
		{"", endpoint}: true, {"false", endpoint}: true,
	}
	for env, want := range required {
		t.Setenv("CI", env[0])
		t.Setenv(EndpointVar, env[1])
		if got := DynamoDBRequired(); got != want {
			t.Errorf("CI=%q %s=%q: required %v, want %v", env[0], EndpointVar, env[1], got, want)
		}
	}
}

// skipRecorder records a skip instead of skipping, so that the tests of the
// skip show no skipped test under `make test`.
type skipRecorder struct {
	testing.TB
	reason string
}

func (r *skipRecorder) Helper() {}

func (r *skipRecorder) Skipf(format string, args ...any) { r.reason = fmt.Sprintf(format, args...) }

// skippedWithoutJava runs SkipWithoutDynamoDB with no java to be found and
// the probe not yet made, and returns why it skipped ("" when it did not).
func skippedWithoutJava(t *testing.T) string {
	t.Helper()
	t.Setenv("PATH", t.TempDir())
	t.Setenv("JAVA_HOME", "")
	local.once, local.err = sync.Once{}, nil
	t.Cleanup(func() { local.once, local.err = sync.Once{}, nil })
	r := &skipRecorder{TB: t}
	SkipWithoutDynamoDB(r)
	return r.reason
}

func TestWithoutJavaATestIsSkippedUnlessDynamoDBIsRequired(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv(EndpointVar, "")
	if why := skippedWithoutJava(t); !strings.Contains(why, "java not found") || !strings.Contains(why, "make test") {
		t.Fatalf("without java, CI or endpoint: skipped with %q, want the reason and the way out", why)
	}
	t.Setenv("CI", "true")
	if why := skippedWithoutJava(t); why != "" {
		t.Fatalf("skipped under CI=true (%s): a missing DynamoDB Local must fail there", why)
	}
	t.Setenv("CI", "")
	t.Setenv(EndpointVar, "http://127.0.0.1:8000")
	if why := skippedWithoutJava(t); why != "" {
		t.Fatalf("skipped with %s set (%s): a missing DynamoDB Local must fail there", EndpointVar, why)
	}
}

func TestKeysAreRandom(t *testing.T) {
	a, b := NewKey(t), NewKey(t)
	if len(a) != 32 || bytes.Equal(a, b) || bytes.Equal(a, make([]byte, 32)) {
		t.Fatalf("keys %x %x", a, b)
	}
	if NewKeyBase64(t) == NewKeyBase64(t) {
		t.Fatal("two equal base64 keys")
	}
}

func TestTheClockMovesOnlyByAdvanceFromNow(t *testing.T) {
	var c Clock
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Fatalf("the zero clock is %v off now", d)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Advance(time.Hour) }()
	}
	wg.Wait()
	if d := c.Now().Sub(time.Now()); d < 10*time.Hour-time.Minute || d > 10*time.Hour {
		t.Fatalf("advanced by %v, want 10h", d)
	}
}
