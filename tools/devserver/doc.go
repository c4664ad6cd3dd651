// Package devserver serves Lambda HTTP handlers over plain HTTP on localhost,
// building the same API Gateway HTTP API (payload format 2.0) events that
// API Gateway builds: lowercased headers, cookies split out, the raw query
// string, form bodies base64-encoded, a request context with method, path,
// source IP and a request id. Local tooling only: never linked into a Lambda.
package devserver
