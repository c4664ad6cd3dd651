package cfnschema

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// number returns v as a number: a JSON number, or a string that
// CloudFormation converts to one.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil && n != "" && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func allowed(values []any, v any) bool {
	for _, a := range values {
		switch x := v.(type) {
		case string:
			if a == x {
				return true
			}
		case float64:
			if f, ok := number(a); ok && f == x {
				return true
			}
		}
	}
	return false
}

// jsonKind names the JSON type of v.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number, float64, int:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// describe is jsonKind with the value when it is short.
func describe(v any) string {
	switch v.(type) {
	case string, json.Number, float64, int, bool:
		if s := show(v); len(s) <= 40 {
			return jsonKind(v) + " " + s
		}
	}
	return jsonKind(v)
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func showAll(values []any) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = show(v)
	}
	return strings.Join(s, ", ")
}

func quoteAll(values []string) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = strconv.Quote(v)
	}
	return strings.Join(s, ", ")
}

// orNone lists names (the first 12), or says none.
func orNone(names []string) string {
	const most = 12
	switch {
	case len(names) == 0:
		return "none"
	case len(names) > most:
		return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
	}
	return strings.Join(names, ", ")
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// suggest returns " (did you mean X?)" for the candidate closest to name:
// equal but for case, or a few edits away (fewer than half its length).
func suggest(name string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		if strings.EqualFold(c, name) {
			return fmt.Sprintf(" (did you mean %s?)", c)
		}
		limit := max(2, min(len(name), len(c))/6)
		if d := distance(strings.ToLower(name), strings.ToLower(c), limit); d >= 0 && 2*d < len(name) && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	if bestD < 0 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// distance is the Levenshtein distance of a and b, or -1 when it is over
// limit.
func distance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return -1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return -1
		}
		prev, cur = cur, prev
	}
	if prev[len(b)] > limit {
		return -1
	}
	return prev[len(b)]
}
