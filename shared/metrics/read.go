package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Point is one value a log line publishes: one metric under one of its
// directive's dimension sets.
type Point struct {
	Namespace  string
	Name       string
	Unit       Unit
	Dimensions map[string]string // the set's dimensions, with the line's values
	Value      float64
	Time       time.Time
	Message    string // the line's "message": which outcome line carried it
}

// Key names the metric a point belongs to as a dashboard names it: the
// namespace, the name and the set's dimension names (sorted).
func (p Point) Key() string {
	names := make([]string, 0, len(p.Dimensions))
	for k := range p.Dimensions {
		names = append(names, k)
	}
	return Key(p.Namespace, p.Name, names)
}

// Key is Point.Key of a metric named by its parts.
func Key(namespace, name string, dims []string) string {
	d := slices.Clone(dims)
	sort.Strings(d)
	return namespace + " " + name + " [" + strings.Join(d, ",") + "]"
}

// Limits of the EMF specification and of CloudWatch's metric data.
const (
	maxDimensions = 9   // keys in a dimension set (the specification's older, stricter bound)
	maxMetrics    = 100 // MetricDefinitions in a directive, values in a metric's array
	maxName       = 255 // a namespace, a metric name, a dimension name
	maxDimValue   = 1024
)

// units are CloudWatch's units (MetricDatum).
var units = []Unit{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
	"Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", Count, "Bytes/Second",
	"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
	"Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}

// Read returns the points of the EMF lines of logs (one JSON object per
// line; lines without an "_aws" member are passed over: inside a JSON
// string its quotes would be escaped). A line that has "_aws" and
// breaks the specification is an error naming the line and the rule.
func Read(logs string) ([]Point, error) {
	var out []Point
	for i, l := range strings.Split(logs, "\n") {
		if !strings.Contains(l, `"_aws":`) {
			continue
		}
		ps, err := ReadLine([]byte(l))
		if err != nil {
			return nil, fmt.Errorf("log line %d: %w: %s", i+1, err, l)
		}
		out = append(out, ps...)
	}
	return out, nil
}

// emfRoot is what an EMF line's root node holds for the extraction.
type emfRoot struct {
	AWS *struct {
		Timestamp         *json.Number
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []Metric
		}
	} `json:"_aws"`
}

// ReadLine checks one EMF line against the specification and returns its
// points.
func ReadLine(b []byte) ([]Point, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	var root emfRoot
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil || root.AWS == nil {
		return nil, fmt.Errorf("_aws is not the metadata object: %v", err)
	}
	at, err := timestamp(root.AWS.Timestamp)
	if err != nil {
		return nil, err
	}
	if len(root.AWS.CloudWatchMetrics) == 0 {
		return nil, errors.New("_aws.CloudWatchMetrics holds no directive")
	}
	var message string
	_ = json.Unmarshal(members["message"], &message)
	var out []Point
	for _, d := range root.AWS.CloudWatchMetrics {
		if err := checkDirective(d.Namespace, d.Dimensions, d.Metrics); err != nil {
			return nil, err
		}
		for _, set := range d.Dimensions {
			dims, err := dimensionValues(members, set)
			if err != nil {
				return nil, err
			}
			for _, m := range d.Metrics {
				v, err := metricValue(members, m.Name)
				if err != nil {
					return nil, err
				}
				out = append(out, Point{Namespace: d.Namespace, Name: m.Name, Unit: m.Unit, Dimensions: dims, Value: v, Time: at, Message: message})
			}
		}
	}
	return out, nil
}

// timestamp reads _aws.Timestamp: whole milliseconds since the epoch (a
// value in seconds would land in 1970 and be dropped by CloudWatch).
func timestamp(n *json.Number) (time.Time, error) {
	if n == nil {
		return time.Time{}, errors.New("_aws.Timestamp is missing")
	}
	ms, err := n.Int64()
	if err != nil || ms < 1e12 {
		return time.Time{}, fmt.Errorf("_aws.Timestamp %s is not milliseconds since the epoch", n)
	}
	return time.UnixMilli(ms), nil
}

// nameOK: a namespace, dimension or metric name of 1 to maxName characters.
func nameOK(name string) bool { return name != "" && len(name) <= maxName }

func checkDirective(ns string, sets [][]string, ms []Metric) error {
	switch {
	case !nameOK(ns):
		return fmt.Errorf("namespace %q: want 1 to %d characters", ns, maxName)
	case len(sets) == 0:
		return fmt.Errorf("namespace %s: a directive without a dimension set", ns)
	case len(ms) == 0 || len(ms) > maxMetrics:
		return fmt.Errorf("namespace %s: %d metrics in a directive, want 1 to %d", ns, len(ms), maxMetrics)
	}
	for _, set := range sets {
		if len(set) > maxDimensions {
			return fmt.Errorf("dimension set %v: over %d dimensions", set, maxDimensions)
		}
		for _, d := range set {
			if !nameOK(d) {
				return fmt.Errorf("dimension set %v: a name of %d characters", set, len(d))
			}
		}
	}
	for _, m := range ms {
		if !nameOK(m.Name) {
			return fmt.Errorf("metric name %q: want 1 to %d characters", m.Name, maxName)
		}
		if m.Unit != "" && !slices.Contains(units, m.Unit) {
			return fmt.Errorf("metric %s: %q is not a CloudWatch unit", m.Name, m.Unit)
		}
	}
	return nil
}

// dimensionValues reads a dimension set's targets: root members holding a
// string (CloudWatch takes 1 to 1024 characters).
func dimensionValues(members map[string]json.RawMessage, set []string) (map[string]string, error) {
	dims := make(map[string]string, len(set))
	for _, name := range set {
		var v string
		raw, ok := members[name]
		if !ok {
			return nil, fmt.Errorf("dimension %s has no member on the root node", name)
		}
		if err := json.Unmarshal(raw, &v); err != nil || v == "" || len(v) > maxDimValue {
			return nil, fmt.Errorf("dimension %s: %s is not a string of 1 to %d characters", name, raw, maxDimValue)
		}
		dims[name] = v
	}
	return dims, nil
}

// metricValue reads a metric's target: a number (an array of numbers,
// which the specification allows, is summed).
func metricValue(members map[string]json.RawMessage, name string) (float64, error) {
	raw, ok := members[name]
	if !ok {
		return 0, fmt.Errorf("metric %s has no member on the root node", name)
	}
	var v float64
	if json.Unmarshal(raw, &v) == nil {
		return v, nil
	}
	var vs []float64
	if err := json.Unmarshal(raw, &vs); err != nil || len(vs) > maxMetrics {
		return 0, fmt.Errorf("metric %s: %s is not a number or an array of at most %d numbers", name, raw, maxMetrics)
	}
	sum := 0.0
	for _, x := range vs {
		sum += x
	}
	return sum, nil
}
