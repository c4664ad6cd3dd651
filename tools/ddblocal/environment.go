package ddblocal

import (
	"path/filepath"

	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

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
	root, err := slsyml.RepoRoot()
	if err != nil {
		return nil, err
	}
	s := &LocalStage{Root: root}
	if s.Env, err = slsyml.Environment(root, "local"); err != nil {
		return nil, err
	}
	if s.FromEnvFile, err = slsyml.OverlayEnvFile(s.Env, s.Path(envFile)); err != nil {
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
