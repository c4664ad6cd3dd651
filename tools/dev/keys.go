package main

import (
	"fmt"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
)

// devKeys are the keys serverless.yml's local stage gives in the clear: the
// token encryption key and the unsubscribe link key. They are public (in
// git), fine for the X sandbox's fake users and nothing else.
var devKeys = []struct{ name, old string }{
	{"TOKEN_ENCRYPTION_KEY", "TOKEN_ENCRYPTION_OLD_KEYS"},
	{"LINK_SIGNING_KEY", "LINK_SIGNING_OLD_KEYS"},
}

// checkRealXKeys refuses to run against real X with the public development
// keys: real people's tokens would be sealed, and their unsubscribe links
// signed, with keys anyone can read in the repository. env is the stage's
// environment with the env file applied, public serverless.yml's local stage
// alone. Against the sandbox anything goes.
func checkRealXKeys(env, public map[string]string, u stackURLs, envFile string) error {
	if u.sandbox {
		return nil
	}
	for _, k := range devKeys {
		pub := keyIDs(public[k.name])
		var problem string
		switch cur := keyIDs(env[k.name]); {
		case strings.TrimSpace(env[k.name]) == "":
			problem = "is not set"
		case len(cur) == 0:
			problem = "is not a base64 32-byte key"
		case overlap(cur, pub):
			problem = "is serverless.yml's public development key"
		case overlap(keyIDs(env[k.old]), pub):
			problem = fmt.Sprintf("is your own but %s holds serverless.yml's public development key", k.old)
		}
		if problem != "" {
			return fmt.Errorf("X is %s (real X, not the sandbox) and %s %s: real people's data must not be sealed with a key from git; "+
				"put keys of your own in %s, e.g. %s=$(head -c 32 /dev/urandom | base64), and the same for %s",
				u.x, k.name, problem, envFile, k.name, otherKeys(k.name))
		}
	}
	return nil
}

// keyIDs are the ids of the keys in a comma-separated list; none when it
// does not parse (the functions refuse it at start and say why).
func keyIDs(list string) map[string]bool {
	keys, err := seal.ParseKeyList(list)
	if err != nil {
		return nil
	}
	ids := map[string]bool{}
	for _, k := range keys {
		ids[seal.KeyID(k)] = true
	}
	return ids
}

func overlap(a, b map[string]bool) bool {
	for id := range a {
		if b[id] {
			return true
		}
	}
	return false
}

func otherKeys(name string) string {
	var names []string
	for _, k := range devKeys {
		if k.name != name {
			names = append(names, k.name)
		}
	}
	return strings.Join(names, ", ")
}
