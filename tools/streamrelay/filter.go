package streamrelay

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Pattern is one Lambda event filter pattern (the EventBridge pattern
// language that Lambda event filtering uses): an object whose leaves are
// arrays of accepted values or operators.
type Pattern map[string]any

// toPattern normalises a YAML value into JSON types and checks it.
func toPattern(raw any) (Pattern, error) {
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	var p Pattern
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, errors.New("a filter pattern must be an object")
	}
	if err := checkPattern(p); err != nil {
		return nil, err
	}
	return p, nil
}

func checkPattern(p map[string]any) error {
	for k, v := range p {
		switch v := v.(type) {
		case map[string]any:
			if err := checkPattern(v); err != nil {
				return fmt.Errorf("%s.%w", k, err)
			}
		case []any:
			for _, alt := range v {
				if op, ok := alt.(map[string]any); ok {
					if err := checkOperator(op); err != nil {
						return fmt.Errorf("%s: %w", k, err)
					}
				}
			}
		default:
			return fmt.Errorf("%s: a leaf must be an array of values or operators, not %T", k, v)
		}
	}
	return nil
}

func checkOperator(op map[string]any) error {
	if len(op) != 1 {
		return fmt.Errorf("an operator object has one key, not %d", len(op))
	}
	for name := range op {
		switch name {
		case "exists", "prefix", "suffix", "anything-but", "equals-ignore-case":
			return nil
		}
		return fmt.Errorf("operator %q is not supported by streamrelay", name)
	}
	return nil
}

// Passes applies the filter patterns to a record in the JSON form Lambda
// filters on.
func Passes(patterns []Pattern, rec events.DynamoDBEventRecord) (bool, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return false, fmt.Errorf("streamrelay: encoding a record: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return false, fmt.Errorf("streamrelay: decoding a record: %w", err)
	}
	return Match(patterns, m), nil
}

// Match reports whether the event (a record as JSON) passes any of the
// patterns; no pattern at all lets everything through.
func Match(patterns []Pattern, event map[string]any) bool {
	return len(patterns) == 0 || slices.ContainsFunc(patterns, func(p Pattern) bool { return matchObject(p, event) })
}

func matchObject(p map[string]any, ev map[string]any) bool {
	for k, pv := range p {
		v, present := ev[k]
		switch pv := pv.(type) {
		case map[string]any:
			sub, ok := v.(map[string]any)
			if !present || !ok || !matchObject(pv, sub) {
				return false
			}
		case []any:
			if !matchLeaf(pv, v, present) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// matchLeaf: the value (or, for an array value, any of its elements) equals
// one of the accepted values or satisfies one of the operators.
func matchLeaf(alts []any, v any, present bool) bool {
	return slices.ContainsFunc(alts, func(alt any) bool {
		if op, ok := alt.(map[string]any); ok {
			return matchOperator(op, v, present)
		}
		equal := func(e any) bool { return reflect.DeepEqual(alt, e) }
		if arr, ok := v.([]any); ok {
			return slices.ContainsFunc(arr, equal)
		}
		return present && equal(v)
	})
}

func matchOperator(op map[string]any, v any, present bool) bool {
	for name, arg := range op {
		switch name {
		case "exists":
			want, _ := arg.(bool)
			return present == want
		case "prefix", "suffix", "equals-ignore-case":
			s, ok := v.(string)
			a, ok2 := arg.(string)
			if !present || !ok || !ok2 {
				return false
			}
			switch name {
			case "prefix":
				return strings.HasPrefix(s, a)
			case "suffix":
				return strings.HasSuffix(s, a)
			}
			return strings.EqualFold(s, a)
		case "anything-but":
			if !present {
				return false
			}
			excluded, ok := arg.([]any)
			if !ok {
				excluded = []any{arg}
			}
			return !slices.ContainsFunc(excluded, func(e any) bool { return reflect.DeepEqual(e, v) })
		}
	}
	return false
}
