package iamusage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
)

// AnalyzeUninstrumented is Analyze, run in a separate `go run` of
// cmd/iamusage when this binary has the race detector (`make test` runs
// `go test -race`), which makes type checking and SSA building of every
// dependency from source several times slower; in process otherwise.
// cfg.Dir must be inside a module that requires golang.org/x/tools.
func AnalyzeUninstrumented(cfg Config) (map[string]*Usage, error) {
	if !raceEnabled {
		return Analyze(cfg)
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	cfg.Dir = dir
	in, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "run", reflect.TypeFor[Config]().PkgPath()+"/cmd/iamusage")
	cmd.Dir = cfg.Dir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("iamusage: %s: %v\n%s", cmd, err, stderr.Bytes())
	}
	var out map[string]*Usage
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("iamusage: the output of %s: %w", cmd, err)
	}
	return out, nil
}
