// Package slsyml reads serverless.yml as the framework resolves it for a
// stage (${sls:stage}, ${self:...}, ${param:...}): the functions'
// environment, one value at a path, the stages it configures, and where the
// repository is. It is the one reader of serverless.yml for the local
// tools (DynamoDB Local's tables, make dev, the operator command, the
// tests); the framework itself reads it for packaging and deploys. Local
// tooling: no Lambda imports it.
package slsyml
