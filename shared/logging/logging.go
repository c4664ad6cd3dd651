package logging

import (
	"context"
	"io"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/rs/zerolog"
)

func init() {
	zerolog.TimeFieldFormat = time.RFC3339Nano
	zerolog.DurationFieldUnit = time.Millisecond
	zerolog.DurationFieldInteger = false
}

// New returns the base logger of a function.
func New(w io.Writer, level zerolog.Level, function, stage string) zerolog.Logger {
	return zerolog.New(w).Level(level).With().Timestamp().
		Str("function", function).Str("stage", stage).Logger()
}

// ForInvocation returns a child of base carrying the Lambda request id from
// ctx (when there is one: the dev server and tests have none unless they set it).
func ForInvocation(ctx context.Context, base zerolog.Logger) zerolog.Logger {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return base.With().Str("request_id", lc.AwsRequestID).Logger()
	}
	return base
}
