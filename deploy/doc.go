// Package deploy holds tests of the deployment definition: they read the
// CloudFormation templates that `serverless package` writes for the staging
// and production stages (make package-check) and check what the contract
// promises: the tables and their keys, TTL and stream, the routes, the
// stream trigger, data protection in production, and least-privilege IAM.
package deploy
