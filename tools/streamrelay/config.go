package streamrelay

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// StreamConfig is a function's DynamoDB stream event as serverless.yml
// declares it.
type StreamConfig struct {
	Function         string
	Filters          []Pattern     // OR'ed; none means every record
	BatchSize        int           // default 100, as Lambda
	MaxRetries       int           // maximumRetryAttempts; default 5 here (Lambda's default is until the record expires)
	StartingPosition string        // LATEST or TRIM_HORIZON
	Timeout          time.Duration // the function's timeout: each invocation's deadline
	ReportFailures   bool          // functionResponseType: ReportBatchItemFailures
}

// configStage is the stage whose serverless.yml settings the relay uses:
// the one it stands in for (`make dev`). The stream event does not vary by
// stage.
const configStage = "local"

// streamFunction is the part of a function of serverless.yml that its stream
// event needs.
type streamFunction struct {
	Timeout int `yaml:"timeout"`
	Events  []struct {
		Stream *struct {
			Type                 string `yaml:"type"`
			BatchSize            int    `yaml:"batchSize"`
			StartingPosition     string `yaml:"startingPosition"`
			MaximumRetryAttempts *int   `yaml:"maximumRetryAttempts"`
			FunctionResponseType string `yaml:"functionResponseType"`
			FilterPatterns       []any  `yaml:"filterPatterns"`
		} `yaml:"stream"`
	} `yaml:"events"`
}

// LoadStreamConfig reads <repoRoot>/serverless.yml (through ddblocal's
// reader, with the local stage's variables) and returns the stream event of
// function (its first events[].stream of type dynamodb).
func LoadStreamConfig(repoRoot, function string) (StreamConfig, error) {
	var fn streamFunction
	if err := slsyml.Decode(repoRoot, configStage, "functions."+function, &fn); err != nil {
		return StreamConfig{}, fmt.Errorf("streamrelay: %w", err)
	}
	for _, ev := range fn.Events {
		s := ev.Stream
		if s == nil || (s.Type != "" && s.Type != "dynamodb") {
			continue
		}
		c := StreamConfig{
			Function:         function,
			BatchSize:        s.BatchSize,
			MaxRetries:       5,
			StartingPosition: strings.ToUpper(s.StartingPosition),
			Timeout:          time.Duration(fn.Timeout) * time.Second,
			ReportFailures:   s.FunctionResponseType == "ReportBatchItemFailures",
		}
		if s.MaximumRetryAttempts != nil && *s.MaximumRetryAttempts >= 0 {
			c.MaxRetries = *s.MaximumRetryAttempts
		}
		c.withDefaults()
		for i, raw := range s.FilterPatterns {
			p, err := toPattern(raw)
			if err != nil {
				return StreamConfig{}, fmt.Errorf("streamrelay: serverless.yml: functions.%s stream filterPatterns[%d]: %w", function, i, err)
			}
			c.Filters = append(c.Filters, p)
		}
		return c, nil
	}
	return StreamConfig{}, fmt.Errorf("streamrelay: serverless.yml: function %q has no dynamodb stream event", function)
}

// withDefaults fills in what serverless.yml may leave out, as Lambda and the
// framework default it.
func (c *StreamConfig) withDefaults() {
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	c.StartingPosition = cmp.Or(c.StartingPosition, "LATEST")
	if c.Timeout <= 0 {
		c.Timeout = 6 * time.Second // the framework's default
	}
}
