// Package metrics owns the service's CloudWatch metrics: their catalogue
// (catalogue.go: every metric, its unit, the function that publishes it and
// its dimension sets, as Go values that the dashboard's test compares with),
// the bounded values a dimension may take (values.go), and their encoding
// in the CloudWatch embedded metric format (EMF, emf.go).
//
// A metric rides on the outcome line its handler already logs: the Emitter
// adds the "_aws" metadata, the dimension members and the values to the
// zerolog event, and CloudWatch Logs extracts the metrics from the line when
// Lambda ships the function's stdout. No client, no call, no goroutine: a
// metric costs a few members of a line that is written anyway.
//
// Dimensions stay low-cardinality: the namespace is per stage
// (Namespace), and a dimension member only ever holds a value of its
// allowed list; anything else (a reason this code does not know yet) is
// published as "other". No uid, screen name, campaign id or utm value is
// ever a dimension: those stay plain fields of the line, for Logs Insights.
//
// Read (read.go) is the way back: it finds and checks the EMF lines of a
// log and returns the points they publish, for the tests that prove the
// dashboard plots only what the functions emit.
package metrics
