package cfnschema

import (
	"fmt"
	"regexp"
	"strings"
)

// args checks that arg is a list of min..max values and returns it.
func (c *checker) args(path string, arg any, lo, hi int) []any {
	a, ok := arg.([]any)
	if !ok {
		c.add(path, "want a list of arguments, got %s", jsonKind(arg))
		return nil
	}
	if len(a) < lo || len(a) > hi {
		if lo == hi {
			c.add(path, "want %d arguments, got %d", lo, len(a))
		} else {
			c.add(path, "want %d to %d arguments, got %d", lo, hi, len(a))
		}
		return nil
	}
	return a
}

// scalar checks an argument that must be a string (or a function that
// gives one).
func (c *checker) scalar(path string, v any) {
	c.value(path, v, stringType)
}

// literalString checks an argument that must be a literal string.
func (c *checker) literalString(path string, v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		c.add(path, "want a literal string, got %s", describe(v))
	}
	return s, ok
}

// list checks an argument that must be a list: a literal list (of strings,
// when scalars) or a function that gives one.
func (c *checker) list(path string, v any, scalars bool) []any {
	if fn, arg, ok := intrinsicOf(v, false); ok {
		if fn == "Fn::If" {
			c.fnIf(path, arg, &Type{Kind: KindArray, Element: stringType})
			return nil
		}
		if k := c.intrinsic(path, fn, arg); k != kList && k != kAny {
			c.add(path, "want list, got %s (%s)", k, fn)
		}
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		c.add(path, "want list, got %s", describe(v))
		return nil
	}
	for i, e := range a {
		p := fmt.Sprintf("%s[%d]", path, i)
		if scalars {
			c.scalar(p, e)
		} else {
			c.any(p, e)
		}
	}
	return a
}

func (c *checker) needs(path, fn, transform string) {
	if !c.transforms[transform] {
		c.add(path, "%s needs the template's Transform to include %s", fn, transform)
	}
}

// intrinsic checks the arguments and references of a function and returns
// what it gives.
func (c *checker) intrinsic(path, fn string, arg any) kind {
	p := path + "." + fn
	switch fn {
	case "Fn::If":
		c.fnIf(path, arg, nil)
		return kAny
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		c.add(p, "%s belongs in Conditions (use a named condition with Fn::If)", fn)
		return kAny
	}
	check, ok := intrinsics[fn]
	if !ok {
		c.add(p, "unknown intrinsic function%s", suggest(fn, []string{
			"Fn::Base64", "Fn::Cidr", "Fn::FindInMap", "Fn::GetAZs", "Fn::GetAtt", "Fn::If", "Fn::ImportValue",
			"Fn::Join", "Fn::Length", "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::ToJsonString", "Fn::Transform",
		}))
		return kAny
	}
	return check(c, p, arg)
}

// intrinsics check, for each intrinsic function but Fn::If and the
// condition functions, its argument arg (p is the function's path, e.g.
// Resources.X.Properties.Name.Fn::Join) and say what the function gives.
// Set by init: the checks call intrinsic, which reads the table.
var intrinsics map[string]func(c *checker, p string, arg any) kind

func init() {
	intrinsics = map[string]func(c *checker, p string, arg any) kind{
		"Ref":              (*checker).fnRef,
		"Fn::GetAtt":       (*checker).getAtt,
		"Fn::Join":         (*checker).fnJoin,
		"Fn::Sub":          (*checker).fnSub,
		"Fn::Split":        (*checker).fnSplit,
		"Fn::Select":       (*checker).fnSelect,
		"Fn::GetAZs":       scalarFunction(kList),
		"Fn::ImportValue":  scalarFunction(kString),
		"Fn::Base64":       scalarFunction(kString),
		"Fn::Cidr":         (*checker).fnCidr,
		"Fn::FindInMap":    (*checker).fnFindInMap,
		"Fn::Length":       (*checker).fnLength,
		"Fn::ToJsonString": (*checker).fnToJSONString,
		"Fn::Transform":    (*checker).fnTransform,
	}
}

// scalarFunction is a function of one string argument that gives a k.
func scalarFunction(k kind) func(c *checker, p string, arg any) kind {
	return func(c *checker, p string, arg any) kind {
		c.scalar(p, arg)
		return k
	}
}

func (c *checker) fnRef(p string, arg any) kind {
	name, ok := arg.(string)
	if !ok {
		c.add(p, "want a logical ID or parameter name, got %s", describe(arg))
		return kAny
	}
	return c.ref(p, name)
}

func (c *checker) fnJoin(p string, arg any) kind {
	if a := c.args(p, arg, 2, 2); a != nil {
		c.literalString(p+"[0]", a[0])
		c.list(p+"[1]", a[1], true)
	}
	return kString
}

func (c *checker) fnSub(p string, arg any) kind {
	c.sub(p, arg)
	return kString
}

func (c *checker) fnSplit(p string, arg any) kind {
	if a := c.args(p, arg, 2, 2); a != nil {
		c.literalString(p+"[0]", a[0])
		c.scalar(p+"[1]", a[1])
	}
	return kList
}

func (c *checker) fnSelect(p string, arg any) kind {
	if a := c.args(p, arg, 2, 2); a != nil {
		c.value(p+"[0]", a[0], &Type{Kind: KindInteger})
		list := c.list(p+"[1]", a[1], false)
		if i, ok := number(a[0]); ok && list != nil && (i < 0 || int(i) >= len(list)) {
			c.add(p+"[0]", "index %v is outside the list of %d", i, len(list))
		}
	}
	return kAny
}

func (c *checker) fnCidr(p string, arg any) kind {
	if a := c.args(p, arg, 3, 3); a != nil {
		c.scalar(p+"[0]", a[0])
		c.value(p+"[1]", a[1], &Type{Kind: KindInteger})
		c.value(p+"[2]", a[2], &Type{Kind: KindInteger})
	}
	return kList
}

func (c *checker) fnFindInMap(p string, arg any) kind {
	c.findInMap(p, arg)
	return kAny
}

func (c *checker) fnLength(p string, arg any) kind {
	c.needs(p, "Fn::Length", languageExtensions)
	c.list(p, arg, false)
	return kNumber
}

func (c *checker) fnToJSONString(p string, arg any) kind {
	c.needs(p, "Fn::ToJsonString", languageExtensions)
	c.any(p, arg)
	return kString
}

func (c *checker) fnTransform(p string, arg any) kind {
	c.any(p, arg)
	return kAny
}

// fnIf checks Fn::If: a defined condition, and both branches as t (or as
// anything when t is nil).
func (c *checker) fnIf(path string, arg any, t *Type) {
	p := path + ".Fn::If"
	a := c.args(p, arg, 3, 3)
	if a == nil {
		return
	}
	c.conditionName(p+"[0]", a[0])
	for i := 1; i <= 2; i++ {
		bp := fmt.Sprintf("%s[%d]", p, i)
		if t == nil {
			c.any(bp, a[i])
		} else {
			c.value(bp, a[i], t)
		}
	}
}

func (c *checker) ref(path, name string) kind {
	if k, ok := pseudoParameters[name]; ok {
		return k
	}
	if typ, ok := c.params[name]; ok {
		switch {
		case listParameter(typ):
			return kList
		case typ == "Number":
			return kNumber
		}
		return kString
	}
	if c.resources[name] != nil {
		if c.inConditions {
			c.add(path, "conditions can only refer to parameters, not to resource %q", name)
		}
		c.depend(name)
		return kString
	}
	if !c.transforms[serverlessTransform] {
		c.add(path, "%q is not a resource, parameter or pseudo parameter%s", name,
			suggest(name, append(sortedKeys(c.resources), append(sortedKeys(c.params), sortedKeys(pseudoParameters)...)...)))
	}
	return kAny
}

func (c *checker) getAtt(path string, arg any) kind {
	var id string
	var attr any
	switch a := arg.(type) {
	case string:
		i := strings.Index(a, ".")
		if i <= 0 {
			c.add(path, "want [logical ID, attribute] or \"LogicalID.Attribute\", got %q", a)
			return kAny
		}
		id, attr = a[:i], a[i+1:]
	case []any:
		if len(a) != 2 {
			c.add(path, "want [logical ID, attribute], got %d arguments", len(a))
			return kAny
		}
		s, ok := a[0].(string)
		if !ok {
			c.add(path+"[0]", "want a literal logical ID, got %s", describe(a[0]))
			return kAny
		}
		id, attr = s, a[1]
	default:
		c.add(path, "want [logical ID, attribute], got %s", describe(arg))
		return kAny
	}
	return c.attribute(path, id, attr)
}

// attribute checks that resource id has attribute attr (a string, or a Ref
// to a parameter) and returns what it gives.
func (c *checker) attribute(path, id string, attr any) kind {
	info := c.resources[id]
	if info == nil {
		if !c.transforms[serverlessTransform] {
			c.add(path, "no resource %q in the template%s", id, suggest(id, sortedKeys(c.resources)))
		}
		return kAny
	}
	if c.inConditions {
		c.add(path, "conditions can only refer to parameters, not to resource %q", id)
	}
	c.depend(id)
	name, ok := attr.(string)
	if !ok {
		c.value(path+"[1]", attr, stringType)
		return kAny
	}
	r := info.spec
	if r == nil || r.Transform != "" {
		return kAny // custom resource (any attribute), or unknown type (reported already)
	}
	if t, ok := r.Attributes[name]; ok {
		return kindOfType(t)
	}
	if k, ok := nestedAttribute(r.Attributes, name); ok {
		return k
	}
	c.add(path, "%s %s has no attribute %q%s (it has %s)", info.typ, id, name,
		suggest(name, sortedKeys(r.Attributes)), orNone(sortedKeys(r.Attributes)))
	return kAny
}

// nestedAttribute is what a nested attribute (A.B.C) gives: one below an
// attribute that is an object (a property type is followed), or below a list
// or map (Outputs.Name of a stack). false: attrs has no such attribute.
func nestedAttribute(attrs map[string]*Type, name string) (kind, bool) {
	parts := strings.Split(name, ".")
	for i := len(parts) - 1; i > 0; i-- {
		t, ok := attrs[strings.Join(parts[:i], ".")]
		if !ok {
			continue
		}
		if k, ok := below(t, parts[i:]); ok {
			return k, true
		}
	}
	return kAny, false
}

// below follows the path of names below a value of type t.
func below(t *Type, path []string) (kind, bool) {
	for _, sub := range path {
		switch t.Kind {
		case KindArray, KindMap, KindJSON:
			return kAny, true
		case KindRef:
			p, ok := t.Object.Props[sub]
			if !ok || p.Type == nil {
				return kAny, false
			}
			t = p.Type
		default:
			return kAny, false
		}
	}
	return kindOfType(t), true
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// sub checks Fn::Sub: "string" or ["string", {variables}], each ${Name}
// a variable, parameter, resource or pseudo parameter, each
// ${Resource.Attribute} an attribute the resource has.
func (c *checker) sub(path string, arg any) {
	var s string
	vars := map[string]bool{}
	switch a := arg.(type) {
	case string:
		s = a
	case []any:
		if len(a) != 2 {
			c.add(path, "want \"string\" or [\"string\", {variables}], got %d arguments", len(a))
			return
		}
		str, ok := c.literalString(path+"[0]", a[0])
		if !ok {
			return
		}
		s = str
		m, ok := a[1].(map[string]any)
		if !ok {
			c.add(path+"[1]", "want an object of variables, got %s", describe(a[1]))
			return
		}
		for _, k := range sortedKeys(m) {
			vars[k] = true
			c.scalar(path+"[1]."+k, m[k])
		}
	default:
		c.add(path, "want \"string\" or [\"string\", {variables}], got %s", describe(arg))
		return
	}
	for _, m := range subVar.FindAllStringSubmatch(s, -1) {
		name := strings.TrimSpace(m[1])
		if strings.HasPrefix(name, "!") {
			continue // ${!Literal}
		}
		if name == "" {
			c.add(path, "empty ${} in %q", s)
			continue
		}
		if vars[name] {
			continue
		}
		if i := strings.Index(name, "."); i > 0 && !strings.HasPrefix(name, "AWS::") {
			if vars[name[:i]] {
				continue
			}
			c.attribute(path, name[:i], name[i+1:])
			continue
		}
		c.ref(path, name)
	}
}

func (c *checker) findInMap(path string, arg any) {
	a, ok := arg.([]any)
	if !ok || len(a) < 3 || len(a) > 4 {
		c.add(path, "want [map, top-level key, second-level key], got %s", describe(arg))
		return
	}
	if len(a) == 4 {
		c.needs(path, "Fn::FindInMap with a default value", languageExtensions)
	}
	for i, e := range a {
		c.scalar(fmt.Sprintf("%s[%d]", path, i), e)
	}
	name, ok := a[0].(string)
	if !ok {
		return
	}
	m, ok := c.mappings[name].(map[string]any)
	if !ok {
		c.add(path+"[0]", "no mapping %q in Mappings%s", name, suggest(name, sortedKeys(c.mappings)))
		return
	}
	if len(a) == 4 {
		return // a default value covers missing keys
	}
	if k1, ok := a[1].(string); ok {
		second, ok := m[k1].(map[string]any)
		if !ok {
			c.add(path+"[1]", "mapping %q has no key %q", name, k1)
			return
		}
		if k2, ok := a[2].(string); ok {
			if _, ok := second[k2]; !ok {
				c.add(path+"[2]", "mapping %q has no key %q under %q", name, k2, k1)
			}
		}
	}
}
