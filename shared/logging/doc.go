// Package logging sets up zerolog JSON logs: one base logger per cold start
// carrying the function and stage, and one child per invocation carrying the
// Lambda request id. Handlers log one line per outcome.
package logging
