package slsyml

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// RepoRoot returns the nearest folder, from the working directory up, that
// holds go.mod: where serverless.yml, site/ and .env.local are. The local
// tools (tools/dev, cmd/tws, ...) and the tests find the repository
// with it.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("slsyml: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("slsyml: no go.mod in the working directory or above it")
		}
		dir = parent
	}
}
