// Command iamusage runs iamusage.Analyze: it reads an iamusage.Config as JSON
// on standard input and writes the usage of each function as JSON. The tests
// run it when they are built with the race detector, which makes the
// analysis several times slower in process (see iamusage.AnalyzeUninstrumented).
//
//	echo '{"Dir":".","Patterns":["./functions/..."],"ClientPkg":"github.com/aws/aws-sdk-go-v2/service/dynamodb"}' |
//	  go run ./tools/iamusage/cmd/iamusage
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/twitter-sessions/twitter-sessions/tools/iamusage"
)

func main() {
	var cfg iamusage.Config
	if err := json.NewDecoder(os.Stdin).Decode(&cfg); err != nil {
		fmt.Fprintln(os.Stderr, "iamusage: reading the configuration:", err)
		os.Exit(2)
	}
	usage, err := iamusage.Analyze(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(usage); err != nil {
		fmt.Fprintln(os.Stderr, "iamusage:", err)
		os.Exit(1)
	}
}
