package logging_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/logging"
)

// lines decodes the JSON lines written to b.
func lines(t *testing.T, b *logging.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func invocation(requestID string) context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: requestID})
}

func TestAnInvocationsLinesCarryTheRequestFunctionAndStage(t *testing.T) {
	var b logging.Buffer
	base := logging.New(&b, zerolog.InfoLevel, "twitter_callback", "staging")
	log := logging.ForInvocation(invocation("req-42"), base)
	log.Info().Str("result", "success").Dur("took", 1500*time.Microsecond).Msg("callback")
	base.Info().Msg("cold start")

	got := lines(t, &b)
	if len(got) != 2 {
		t.Fatalf("%d lines: %s", len(got), b.String())
	}
	line := got[0]
	for k, want := range map[string]any{"request_id": "req-42", "function": "twitter_callback", "stage": "staging", "level": "info", "message": "callback", "result": "success", "took": 1.5} {
		if line[k] != want {
			t.Errorf("%s = %v, want %v (line %v)", k, line[k], want, line)
		}
	}
	if ts, _ := line["time"].(string); ts == "" {
		t.Errorf("no time: %v", line)
	} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		t.Errorf("time %q: %v", ts, err)
	}
	if _, ok := got[1]["request_id"]; ok || got[1]["function"] != "twitter_callback" {
		t.Errorf("the base logger's line: %v", got[1])
	}

	t.Run("two invocations of one warm function keep their own request ids", func(t *testing.T) {
		var b logging.Buffer
		base := logging.New(&b, zerolog.InfoLevel, "twitter_actions", "production")
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprint("req-", i)
				log := logging.ForInvocation(invocation(id), base)
				log.Info().Str("want", id).Msg("x")
			}()
		}
		wg.Wait()
		got := lines(t, &b)
		if len(got) != 20 {
			t.Fatalf("%d lines", len(got))
		}
		for _, l := range got {
			if l["request_id"] != l["want"] || l["stage"] != "production" {
				t.Errorf("line %v", l)
			}
		}
	})
}

func TestWithoutALambdaContextThereIsNoRequestID(t *testing.T) {
	for name, ctx := range map[string]context.Context{
		"no Lambda context": context.Background(),
		"an empty id":       invocation(""),
	} {
		var b logging.Buffer
		log := logging.ForInvocation(ctx, logging.New(&b, zerolog.InfoLevel, "f", "s"))
		log.Info().Msg("m")
		if l := lines(t, &b)[0]; l["request_id"] != nil || l["function"] != "f" || l["stage"] != "s" {
			t.Errorf("%s: %v", name, l)
		}
	}
}

func TestTheLevelFilters(t *testing.T) {
	var b logging.Buffer
	log := logging.ForInvocation(invocation("r"), logging.New(&b, zerolog.WarnLevel, "f", "s"))
	log.Debug().Msg("debug")
	log.Info().Msg("info")
	log.Warn().Msg("warn")
	log.Error().Msg("error")
	var got []string
	for _, l := range lines(t, &b) {
		got = append(got, l["message"].(string))
	}
	if strings.Join(got, ",") != "warn,error" {
		t.Fatalf("lines %v at level warn", got)
	}
}

// A config.Secret reaches no log line, however it is handed to the logger:
// as a field of any kind, inside a struct or a map, in a message, in an
// error.
func TestASecretIsNeverPrinted(t *testing.T) {
	const value = "s3cr3t-consumer-value"
	secret := config.Secret(value)
	var b logging.Buffer
	log := logging.ForInvocation(invocation("r"), logging.New(&b, zerolog.DebugLevel, "f", "s"))
	log.Info().Stringer("stringer", secret).Msg("stringer")
	log.Info().Interface("interface", secret).Msg("interface")
	log.Info().Any("any", secret).Msg("any")
	log.Info().Interface("struct", struct {
		Name   string
		Secret config.Secret
	}{"app", secret}).Msg("struct")
	log.Info().Fields(map[string]any{"field": secret}).Msg("fields")
	log.Info().Dict("dict", zerolog.Dict().Stringer("s", secret)).Msg("dict")
	log.Info().Msgf("%v %s %+v %#v %q", secret, secret, secret, secret, secret)
	log.Error().Err(fmt.Errorf("calling X with %v: %w", secret, errors.New("401"))).Msg("error")
	child := log.With().Stringer("context", secret).Logger()
	child.Info().Msg("child")

	if n := len(lines(t, &b)); n != 9 {
		t.Fatalf("%d lines: %s", n, b.String())
	}
	if strings.Contains(b.String(), value) {
		t.Fatalf("the secret is in the logs:\n%s", b.String())
	}
	if n := strings.Count(b.String(), "[redacted]"); n != 13 {
		t.Fatalf("%d redactions, want one per use:\n%s", n, b.String())
	}
}

// Buffer is written from many goroutines at once (a handler under load)
// and read while it is written.
func TestBufferTakesConcurrentWrites(t *testing.T) {
	var b logging.Buffer
	log := logging.New(&b, zerolog.InfoLevel, "f", "s")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(2)
		go func() { defer wg.Done(); log.Info().Int("i", i).Msg("line") }()
		go func() { defer wg.Done(); _ = b.String() }()
	}
	wg.Wait()
	if got := lines(t, &b); len(got) != 50 {
		t.Fatalf("%d whole lines, want 50", len(got))
	}
}
