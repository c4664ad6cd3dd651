// Package devserver serves Lambda HTTP handlers over plain HTTP on localhost,
// building the same API Gateway HTTP API (payload format 2.0) events that
// API Gateway builds: lowercased headers, cookies split out, the raw query
// string, form bodies base64-encoded, a request context with method, path,
// source IP and a request id. Local tooling only: never linked into a Lambda.
//
// It also does what the deployed stage does in front of the functions, from
// the same serverless.yml settings (LoadSettings): the HTTP API's CORS
// (preflights answered by the gateway, CORS headers for allowed origins
// only), the stage's per-route throttling (429 {"message":"Too Many
// Requests"} without invoking anything) and a function's reserved
// concurrency (a throttled invocation: 500 {"message":"Internal Server
// Error"}). See Gateway and Concurrency.
package devserver
