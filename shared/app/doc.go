// Package app builds a function's dependencies once per cold start from its
// configuration: the AWS clients, the sealer, the X protocol, the stores and
// the use case. The Lambda mains and the local dev server call the same
// constructors, so local runs exercise exactly what is deployed.
package app
