package ddblocal

import (
	"fmt"

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
