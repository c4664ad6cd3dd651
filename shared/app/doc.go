// Package app puts the three functions' builders behind one value for the
// local tooling (make dev, make campaign) and the tests: Load is
// boot.Load, and Deps' methods build each function's handler exactly as its
// Lambda does. No function imports it: each main imports only boot and its
// own builder (shared/app/signinfn, shared/app/actionsfn), so that
// generate_session's binary carries nothing of the actions or campaigns.
package app
