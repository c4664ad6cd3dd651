// Package config reads the service's configuration from the environment once
// per cold start, resolves the secrets kept in SSM Parameter Store, and
// validates everything up front: a function with a missing or malformed value
// stops at start with one error naming every problem, not at the first request.
package config
