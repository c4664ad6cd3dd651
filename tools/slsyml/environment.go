package slsyml

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Environment returns provider.environment of serverless.yml as the
// framework resolves it for stage: the variables every function gets. The
// dev server runs the handlers with exactly these, so local runs and
// deployed stages read one definition.
func Environment(repoRoot, stage string) (map[string]string, error) {
	f, err := Read(repoRoot, stage)
	if err != nil {
		return nil, err
	}
	env := Child(Child(f.root, "provider"), "environment")
	if env == nil || env.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("slsyml: serverless.yml has no provider.environment")
	}
	out := map[string]string{}
	for i := 0; i+1 < len(env.Content); i += 2 {
		name := env.Content[i].Value
		v, err := f.resolve(env.Content[i+1], 0)
		if err != nil {
			return nil, fmt.Errorf("slsyml: provider.environment.%s: %w", name, err)
		}
		if v == nil || v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("slsyml: provider.environment.%s is not a plain value on stage %s", name, stage)
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
