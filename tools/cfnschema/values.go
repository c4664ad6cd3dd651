package cfnschema

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// kind is what an intrinsic function gives.
type kind int

const (
	kAny     kind = iota // unknown (Fn::Select, Fn::FindInMap, both branches of Fn::If checked already)
	kNoValue             // Ref AWS::NoValue: the property is left out
	kScalar              // a string, number or boolean
	kString
	kNumber
	kList
	kObject
)

func (k kind) String() string {
	return [...]string{"anything", "AWS::NoValue", "scalar", "string", "number", "list", "object"}[k]
}

// fits tells whether what an intrinsic function gives can be a t.
func fits(k kind, t *Type) bool {
	if k == kAny || k == kNoValue {
		return true
	}
	switch t.Kind {
	case KindUnion:
		for _, u := range t.Types {
			if fits(k, u) {
				return true
			}
		}
		return false
	case KindString, KindNumber, KindInteger, KindBoolean, KindDateTime:
		return k == kScalar || k == kString || k == kNumber
	case KindArray:
		return k == kList
	case KindJSON:
		return k == kList || k == kObject
	default: // map, ref, tag
		return k == kObject
	}
}

func kindOfType(t *Type) kind {
	switch t.Kind {
	case KindString, KindDateTime:
		return kString
	case KindNumber, KindInteger:
		return kNumber
	case KindBoolean:
		return kScalar
	case KindArray:
		return kList
	case KindMap, KindRef, KindTag, KindJSON:
		return kObject
	}
	return kAny
}

// intrinsicOf recognises an intrinsic function: an object with exactly one
// key, Ref or Fn::Something (or Condition, inside conditions).
func intrinsicOf(v any, inCondition bool) (fn string, arg any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") || (inCondition && k == "Condition") {
			return k, a, true
		}
	}
	return "", nil, false
}

// prop checks the value of a property, with its previous types as fallbacks.
func (c *checker) prop(path string, v any, p *Property) {
	got := c.collect(func() { c.value(path, v, p.Type) })
	if len(got) > 0 {
		for _, prev := range p.Previous {
			if len(c.collect(func() { c.value(path, v, prev) })) == 0 {
				got = nil
				break
			}
		}
	}
	c.problems = append(c.problems, got...)
}

// value checks that v is a t.
func (c *checker) value(path string, v any, t *Type) {
	if v == nil {
		c.add(path, "null is not allowed (leave the property out)")
		return
	}
	if fn, arg, ok := intrinsicOf(v, false); ok {
		c.intrinsicValue(path, fn, arg, t)
		return
	}
	switch t.Kind {
	case KindString, KindDateTime:
		c.stringValue(path, v, t)
	case KindNumber:
		if _, ok := number(v); !ok {
			c.mismatch(path, t, v)
		}
	case KindInteger:
		c.integerValue(path, v, t)
	case KindBoolean:
		c.booleanValue(path, v, t)
	case KindJSON:
		c.jsonValue(path, v)
	case KindArray:
		c.arrayValue(path, v, t)
	case KindMap:
		c.mapValue(path, v, t)
	case KindRef, KindTag:
		m, ok := v.(map[string]any)
		if !ok {
			c.mismatch(path, t, v)
			return
		}
		c.object(path, m, t.Object)
	case KindUnion:
		c.union(path, v, t)
	}
}

// intrinsicValue checks a function where a t is expected: what it gives
// must fit t (both branches of Fn::If must be ts).
func (c *checker) intrinsicValue(path, fn string, arg any, t *Type) {
	if fn == "Fn::If" {
		c.fnIf(path, arg, t)
		return
	}
	if k := c.intrinsic(path, fn, arg); !fits(k, t) {
		c.add(path, "want %s, got %s (%s)", t, k, fn)
	}
}

func (c *checker) stringValue(path string, v any, t *Type) {
	switch s := v.(type) {
	case string:
		if len(t.Allowed) > 0 && !allowed(t.Allowed, s) {
			c.add(path, "want one of %s, got %q", showAll(t.Allowed), s)
		}
	case json.Number, float64, bool: // CloudFormation passes them on as strings
	default:
		c.mismatch(path, t, v)
	}
}

func (c *checker) integerValue(path string, v any, t *Type) {
	f, ok := number(v)
	switch {
	case !ok:
		c.mismatch(path, t, v)
	case f != math.Trunc(f) || math.IsInf(f, 0):
		c.add(path, "want integer, got %s", show(v))
	case len(t.Allowed) > 0 && !allowed(t.Allowed, f):
		c.add(path, "want one of %s, got %s", showAll(t.Allowed), show(v))
	}
}

func (c *checker) booleanValue(path string, v any, t *Type) {
	switch b := v.(type) {
	case bool:
	case string:
		if !strings.EqualFold(b, "true") && !strings.EqualFold(b, "false") {
			c.mismatch(path, t, v)
		}
	default:
		c.mismatch(path, t, v)
	}
}

func (c *checker) jsonValue(path string, v any) {
	switch v.(type) {
	case map[string]any, []any:
		c.any(path, v)
	default:
		c.add(path, "want json (an object or array), got %s", describe(v))
	}
}

func (c *checker) arrayValue(path string, v any, t *Type) {
	a, ok := v.([]any)
	if !ok {
		c.mismatch(path, t, v)
		return
	}
	for i, e := range a {
		c.value(fmt.Sprintf("%s[%d]", path, i), e, t.Element)
	}
}

func (c *checker) mapValue(path string, v any, t *Type) {
	m, ok := v.(map[string]any)
	if !ok {
		c.mismatch(path, t, v)
		return
	}
	for _, k := range sortedKeys(m) {
		c.value(path+"."+k, m[k], t.Element)
	}
}

func (c *checker) mismatch(path string, t *Type, v any) {
	c.add(path, "want %s, got %s", t, describe(v))
}

func (c *checker) object(path string, m map[string]any, o *Object) {
	for _, k := range sortedKeys(m) {
		p, ok := o.Props[k]
		if !ok {
			c.add(path+"."+k, "unknown property of %s%s", o.Name, suggest(k, sortedKeys(o.Props)))
			c.any(path+"."+k, m[k])
			continue
		}
		c.prop(path+"."+k, m[k], p)
	}
	for _, name := range sortedKeys(o.Props) {
		if _, ok := m[name]; !ok && o.Props[name].Required {
			c.add(path+"."+name, "missing required property of %s", o.Name)
		}
	}
}

// union accepts v when one of the types does. The types that have v's
// shape come first: an array is checked against the array types (and only
// against json when there are none), an object against the object types,
// a scalar against the scalar types; when none of them accepts v, the
// problems of the one with the fewest are reported.
func (c *checker) union(path string, v any, t *Type) {
	var shaped, others []*Type
	for _, u := range t.Types {
		if sameShape(v, u) {
			shaped = append(shaped, u)
		} else {
			others = append(others, u)
		}
	}
	candidates := shaped
	if len(candidates) == 0 {
		candidates = others
	}
	var best []Problem
	for i, u := range candidates {
		got := c.collect(func() { c.value(path, v, u) })
		if len(got) == 0 {
			return
		}
		if i == 0 || len(got) < len(best) {
			best = got
		}
	}
	if len(shaped) == 0 {
		c.mismatch(path, t, v)
		return
	}
	c.problems = append(c.problems, best...)
}

// sameShape tells whether v is an array and t an array type, v an object
// and t a property type, map or tag, or v a scalar and t a scalar type.
func sameShape(v any, t *Type) bool {
	switch v.(type) {
	case []any:
		return t.Kind == KindArray
	case map[string]any:
		return t.Kind == KindRef || t.Kind == KindMap || t.Kind == KindTag
	case string, json.Number, float64, int, bool:
		switch t.Kind {
		case KindString, KindNumber, KindInteger, KindBoolean, KindDateTime:
			return true
		}
	}
	return false
}

// any checks a value whose type is not known (json, custom resources,
// unknown properties): its intrinsic functions are checked, nulls refused.
func (c *checker) any(path string, v any) {
	switch x := v.(type) {
	case nil:
		c.add(path, "null is not allowed")
	case map[string]any:
		if fn, arg, ok := intrinsicOf(x, false); ok {
			if fn == "Fn::If" {
				c.fnIf(path, arg, nil)
			} else {
				c.intrinsic(path, fn, arg)
			}
			return
		}
		for _, k := range sortedKeys(x) {
			c.any(path+"."+k, x[k])
		}
	case []any:
		for i, e := range x {
			c.any(fmt.Sprintf("%s[%d]", path, i), e)
		}
	}
}
