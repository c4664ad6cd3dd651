// Package boot is what every function starts from, once per cold start:
// the configuration (with its secrets from SSM), the logger, the DynamoDB
// client and the sealer (a keyring on deployed stages), and the table of
// each function's timing (timing.go). Each function's own builder
// (shared/app/signinfn, shared/app/actionsfn) takes these and its timing row;
// Run is the whole of a Lambda's main.
package boot
