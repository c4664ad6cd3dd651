// Package e2e clicks through the whole sign-in in a real browser, on the
// stack that `make dev` runs: the landing page, the X sandbox's authorize
// page, the callback, DynamoDB Local and the actions. It also runs
// `serverless invoke local` on the sample events against that stack.
//
// The sign-in runs under both protocols (browser_protocols_test.go): the
// default stack signs visitors in with OAuth 2.0, as `make dev` does, and a
// second one with OAuth 1.0a (tools/dev -protocol=oauth1), each started by
// the first test that needs it.
//
// The tests start their own tools/dev on free ports (a developer's own
// `make dev` keeps running undisturbed) and drive Debian's chromium through
// the DevTools protocol (github.com/chromedp/chromedp). `make test` installs
// chromium when it is missing; without it the tests fail rather than skip.
//
// Screenshots of every step are written to e2e/screenshots/<test>/ when a
// test fails (git-ignored), and always with -args -screenshots=DIR.
package e2e
