package ddblocal

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Environment returns provider.environment of serverless.yml as the
// framework resolves it for stage: the variables every function gets. The
// dev server runs the handlers with exactly these, so local runs and
// deployed stages read one definition.
func Environment(repoRoot, stage string) (map[string]string, error) {
	f, err := readServerless(repoRoot, stage)
	if err != nil {
		return nil, err
	}
	env := child(child(f.root, "provider"), "environment")
	if env == nil || env.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("ddblocal: serverless.yml has no provider.environment")
	}
	out := map[string]string{}
	for i := 0; i+1 < len(env.Content); i += 2 {
		name := env.Content[i].Value
		v, err := f.resolve(env.Content[i+1], 0)
		if err != nil {
			return nil, fmt.Errorf("ddblocal: provider.environment.%s: %w", name, err)
		}
		if v == nil || v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("ddblocal: provider.environment.%s is not a plain value on stage %s", name, stage)
		}
		out[name] = v.Value
	}
	return out, nil
}

// OverlayEnvFile applies the KEY=VALUE lines of path (a .env.local with real X
// keys, say) over env, when the file exists. Blank lines, # comments and an
// "export " prefix are allowed; values may be quoted. It returns the names it
// set, never the values: they may be secrets.
func OverlayEnvFile(env map[string]string, path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want KEY=VALUE", path, n)
		}
		k = strings.TrimSpace(k)
		env[k] = strings.Trim(strings.TrimSpace(v), `"'`)
		names = append(names, k)
	}
	sort.Strings(names)
	return names, sc.Err()
}

// LocalStage is what tools/dev and tws campaign run the functions with:
// the environment of serverless.yml's local stage, overlaid with an env file
// (.env.local, with real X keys, say), in the repository found from the
// working directory.
type LocalStage struct {
	Root string            // the repository (RepoRoot)
	Env  map[string]string // the functions' environment
	// FromEnvFile are the names the env file set, never the values: they
	// may be secrets.
	FromEnvFile []string
}

// LoadLocalStage reads the local stage's environment and overlays envFile
// (relative to the repository unless absolute) when the file exists.
func LoadLocalStage(envFile string) (*LocalStage, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	s := &LocalStage{Root: root}
	if s.Env, err = Environment(root, "local"); err != nil {
		return nil, err
	}
	if s.FromEnvFile, err = OverlayEnvFile(s.Env, s.Path(envFile)); err != nil {
		return nil, err
	}
	return s, nil
}

// Path is p relative to the repository; an absolute p is kept.
func (s *LocalStage) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Root, p)
}

// UseDynamoDBLocal points the environment at the DynamoDB Local at
// endpoint, and gives it the region and dummy credentials the SDK needs for
// each of AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY that
// lookup finds empty (the process environment, when the functions will read
// it; the stage's environment itself, when they read only that).
func (s *LocalStage) UseDynamoDBLocal(endpoint string, lookup func(string) string) {
	s.Env["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
	for k, v := range map[string]string{"AWS_REGION": Region, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"} {
		if lookup(k) == "" {
			s.Env[k] = v
		}
	}
}
