package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
)

// localEnv is the environment serverless.yml gives the functions on the
// local stage, overlaid with the KEY=VALUE lines of envFile when it exists.
// It returns the names it overrode (never the values: they may be secrets).
func localEnv(root, envFile string) (map[string]string, []string, error) {
	env, err := ddblocal.Environment(root, "local")
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(envFile)
	if os.IsNotExist(err) {
		return env, nil, nil
	}
	if err != nil {
		return nil, nil, err
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
			return nil, nil, fmt.Errorf("%s:%d: want KEY=VALUE", envFile, n)
		}
		k = strings.TrimSpace(k)
		env[k] = strings.Trim(strings.TrimSpace(v), `"'`)
		names = append(names, k)
	}
	sort.Strings(names)
	return env, names, sc.Err()
}
