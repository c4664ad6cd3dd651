package main

import "github.com/twitter-sessions/twitter-sessions/tools/ddblocal"

// localEnv is the environment serverless.yml gives the functions on the
// local stage, overlaid with the KEY=VALUE lines of envFile when it exists.
// It returns the names it overrode (never the values: they may be secrets).
func localEnv(root, envFile string) (map[string]string, []string, error) {
	env, err := ddblocal.Environment(root, "local")
	if err != nil {
		return nil, nil, err
	}
	names, err := ddblocal.OverlayEnvFile(env, envFile)
	return env, names, err
}
