package cfnschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing of a template that CloudFormation would refuse.
type Problem struct {
	// Path of the offending value, e.g.
	// Resources.HttpApiStage.Properties.DefaultRouteSettings.ThrottlingRateLimit
	// (array elements as [i], intrinsic functions by name: ...Value.Fn::GetAtt).
	Path    string
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// Validate parses a JSON template and checks it (see Check). The error is
// for a template that is not a JSON object at all.
func (s *Spec) Validate(template []byte) ([]Problem, error) {
	dec := json.NewDecoder(bytes.NewReader(template))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("cfnschema: the template is not JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("cfnschema: the template has data after its JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("cfnschema: the template is not a JSON object")
	}
	return s.Check(m), nil
}

// Check checks a decoded template (numbers as json.Number or float64) and
// returns every problem found, in template order (keys sorted), or nil.
//
// What is checked:
//   - the top-level sections are known, and Resources is there;
//   - each resource: its logical ID is alphanumeric, its attributes are
//     known (Type, Properties, DependsOn, Condition, DeletionPolicy, ...),
//     its Type exists in the spec (Custom::Name and
//     AWS::CloudFormation::CustomResource are custom resources: any
//     property, ServiceToken required), SAM types only with their transform;
//   - properties, recursively: each is known; each value is of the right
//     JSON type (CloudFormation's coercions are accepted: "10" for a number
//     or integer, "true"/"false" for a boolean, a number or boolean for a
//     string); an integer is integral; where the spec lists the allowed
//     values, the value is one of them; required properties are present;
//     null is refused; a property whose type changed is also accepted with
//     its previous type;
//   - intrinsic functions where a value is expected: what they give must fit
//     (Fn::Split, Fn::GetAZs, Fn::Cidr give lists, Fn::Join, Fn::Sub,
//     Fn::Base64, Fn::ImportValue give strings, Ref a string or a list
//     parameter, Fn::GetAtt the attribute's type; both branches of Fn::If
//     are checked against the expected type), and their arguments have the
//     right shape;
//   - references: Ref names a resource, parameter or pseudo parameter;
//     Fn::GetAtt a resource of the template and an attribute its type has;
//     Fn::Sub ${Name} and ${Resource.Attribute} likewise; DependsOn names
//     other resources; Condition (on resources, outputs, in Fn::If and in
//     Conditions) names a defined condition; Fn::FindInMap a mapping and
//     keys (when literal); Conditions reference parameters only; the
//     resources have no circular dependency;
//   - outputs: a Value that is a string, known keys, defined conditions.
//
// A template that uses the serverless transform is checked too, except the
// targets of Ref and Fn::GetAtt (the transform adds resources).
func (s *Spec) Check(tpl map[string]any) []Problem {
	c := &checker{
		spec:       s,
		resources:  map[string]*resourceInfo{},
		params:     map[string]string{},
		conditions: map[string]bool{},
		mappings:   map[string]any{},
		transforms: map[string]bool{},
		deps:       map[string]map[string]bool{},
	}
	c.template(tpl)
	return c.problems
}

type resourceInfo struct {
	typ  string
	spec *Resource // nil for custom resources and unknown types
}

type checker struct {
	spec       *Spec
	resources  map[string]*resourceInfo
	params     map[string]string // name -> Type
	conditions map[string]bool
	mappings   map[string]any
	transforms map[string]bool
	problems   []Problem

	// cur is the resource whose attributes are being checked ("" outside
	// Resources); deps[cur] collects the resources it refers to.
	cur          string
	deps         map[string]map[string]bool
	inConditions bool // checking the Conditions section: only parameters may be referenced
}

func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// collect runs f and returns the problems it found instead of keeping them.
func (c *checker) collect(f func()) []Problem {
	saved := c.problems
	c.problems = nil
	f()
	got := c.problems
	c.problems = saved
	return got
}

const (
	serverlessTransform = "AWS::Serverless-2016-10-31"
	languageExtensions  = "AWS::LanguageExtensions"
)

var (
	alnum         = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	customType    = regexp.MustCompile(`^Custom::[A-Za-z0-9_@-]{1,60}$`)
	knownSections = map[string]bool{
		"AWSTemplateFormatVersion": true, "Description": true, "Metadata": true, "Parameters": true,
		"Rules": true, "Mappings": true, "Conditions": true, "Transform": true, "Resources": true,
		"Outputs": true, "Hooks": true,
	}
	resourceKeys = map[string]bool{
		"Type": true, "Properties": true, "DependsOn": true, "Condition": true, "DeletionPolicy": true,
		"UpdateReplacePolicy": true, "Metadata": true, "CreationPolicy": true, "UpdatePolicy": true,
	}
	deletionPolicies      = []string{"Delete", "Retain", "RetainExceptOnCreate", "Snapshot"}
	updateReplacePolicies = []string{"Delete", "Retain", "Snapshot"}
	pseudoParameters      = map[string]kind{
		"AWS::AccountId": kString, "AWS::NotificationARNs": kList, "AWS::NoValue": kNoValue,
		"AWS::Partition": kString, "AWS::Region": kString, "AWS::StackId": kString,
		"AWS::StackName": kString, "AWS::URLSuffix": kString,
	}
	stringType = &Type{Kind: KindString}
)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (c *checker) template(tpl map[string]any) {
	for _, k := range sortedKeys(tpl) {
		if !knownSections[k] {
			c.add(k, "unknown template section%s", suggest(k, sortedKeys(knownSections)))
		}
	}
	if v, ok := tpl["AWSTemplateFormatVersion"]; ok && v != "2010-09-09" {
		c.add("AWSTemplateFormatVersion", `want "2010-09-09", got %s`, show(v))
	}
	if v, ok := tpl["Description"]; ok {
		if _, isString := v.(string); !isString {
			c.add("Description", "want string, got %s", jsonKind(v))
		}
	}
	c.collectTransforms(tpl["Transform"])

	// First the names that references can resolve to.
	if v, ok := tpl["Parameters"]; ok {
		c.parameters(section(c, "Parameters", v))
	}
	if v, ok := tpl["Mappings"]; ok {
		c.mappings = section(c, "Mappings", v)
	}
	conds := map[string]any{}
	if v, ok := tpl["Conditions"]; ok {
		conds = section(c, "Conditions", v)
		for name := range conds {
			c.conditions[name] = true
		}
	}
	resources := map[string]any{}
	if v, ok := tpl["Resources"]; !ok {
		c.add("Resources", "missing: a template needs at least one resource")
	} else if resources = section(c, "Resources", v); len(resources) == 0 {
		c.add("Resources", "empty: a template needs at least one resource")
	}
	for _, id := range sortedKeys(resources) {
		info := &resourceInfo{}
		if r, ok := resources[id].(map[string]any); ok {
			info.typ, _ = r["Type"].(string)
			if !custom(info.typ) {
				info.spec = c.spec.resources[info.typ]
			}
		}
		c.resources[id] = info
	}

	c.inConditions = true
	for _, name := range sortedKeys(conds) {
		c.condition("Conditions."+name, conds[name])
	}
	c.inConditions = false
	for _, id := range sortedKeys(resources) {
		c.resource(id, resources[id])
	}
	c.cur = ""
	if v, ok := tpl["Outputs"]; ok {
		outputs := section(c, "Outputs", v)
		for _, name := range sortedKeys(outputs) {
			c.output("Outputs."+name, outputs[name])
		}
	}
	c.cycles()
}

// section returns a section that must be an object.
func section(c *checker, path string, v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		c.add(path, "want object, got %s", jsonKind(v))
		return map[string]any{}
	}
	return m
}

func (c *checker) collectTransforms(v any) {
	switch t := v.(type) {
	case nil:
	case string:
		c.transforms[t] = true
	case []any:
		for i, e := range t {
			if name, ok := e.(string); ok {
				c.transforms[name] = true
			} else {
				c.add(fmt.Sprintf("Transform[%d]", i), "want the name of a transform, got %s", jsonKind(e))
			}
		}
	default:
		c.add("Transform", "want the name of a transform or a list of them, got %s", jsonKind(v))
	}
}

func (c *checker) parameters(params map[string]any) {
	for _, name := range sortedKeys(params) {
		path := "Parameters." + name
		if !alnum.MatchString(name) {
			c.add(path, "a parameter's name must be alphanumeric")
		}
		p, ok := params[name].(map[string]any)
		if !ok {
			c.add(path, "want object, got %s", jsonKind(params[name]))
			continue
		}
		typ, ok := p["Type"].(string)
		if !ok || typ == "" {
			c.add(path+".Type", "missing: every parameter needs a Type")
		}
		c.params[name] = typ
	}
}

func listParameter(typ string) bool {
	return typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<") ||
		strings.Contains(typ, "Value<List<") || strings.Contains(typ, "Value<CommaDelimitedList>")
}

// condition checks a condition function (in Conditions, or nested in one).
func (c *checker) condition(path string, v any) {
	fn, arg, ok := intrinsicOf(v, true)
	if !ok {
		c.add(path, "want a condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), got %s", jsonKind(v))
		return
	}
	p := path + "." + fn
	switch fn {
	case "Fn::Equals":
		for i, a := range c.args(p, arg, 2, 2) {
			c.scalar(fmt.Sprintf("%s[%d]", p, i), a)
		}
	case "Fn::Not":
		for i, a := range c.args(p, arg, 1, 1) {
			c.condition(fmt.Sprintf("%s[%d]", p, i), a)
		}
	case "Fn::And", "Fn::Or":
		for i, a := range c.args(p, arg, 2, 10) {
			c.condition(fmt.Sprintf("%s[%d]", p, i), a)
		}
	case "Condition":
		c.conditionName(p, arg)
	default:
		c.add(p, "want a condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), got %s", fn)
	}
}

func (c *checker) conditionName(path string, v any) {
	name, ok := v.(string)
	if !ok {
		c.add(path, "want the name of a condition, got %s", jsonKind(v))
		return
	}
	if !c.conditions[name] {
		c.add(path, "no condition %q in Conditions%s", name, suggest(name, sortedKeys(c.conditions)))
	}
}

func (c *checker) resource(id string, v any) {
	c.cur = id
	path := "Resources." + id
	if !alnum.MatchString(id) {
		c.add(path, "a logical ID must be alphanumeric")
	}
	r, ok := v.(map[string]any)
	if !ok {
		c.add(path, "want object, got %s", jsonKind(v))
		return
	}
	for _, k := range sortedKeys(r) {
		if !resourceKeys[k] {
			c.add(path+"."+k, "unknown resource attribute%s", suggest(k, sortedKeys(resourceKeys)))
		}
	}
	if cond, ok := r["Condition"]; ok {
		c.conditionName(path+".Condition", cond)
	}
	if deps, ok := r["DependsOn"]; ok {
		c.dependsOn(path+".DependsOn", id, deps)
	}
	c.policy(path, r, "DeletionPolicy", deletionPolicies)
	c.policy(path, r, "UpdateReplacePolicy", updateReplacePolicies)

	typ, ok := r["Type"].(string)
	props, hasProps := r["Properties"]
	switch {
	case !ok:
		if _, present := r["Type"]; present {
			c.add(path+".Type", "want string, got %s", jsonKind(r["Type"]))
		} else {
			c.add(path+".Type", "missing: every resource needs a Type")
		}
		if hasProps {
			c.any(path+".Properties", props)
		}
	case custom(typ):
		if typ != "AWS::CloudFormation::CustomResource" && !customType.MatchString(typ) {
			c.add(path+".Type", "a custom resource type is Custom:: and up to 60 characters of A-Z, a-z, 0-9, _ @ -, got %q", typ)
		}
		c.customProperties(path+".Properties", props, hasProps)
	default:
		rs := c.spec.resources[typ]
		if rs == nil {
			c.add(path+".Type", "unknown resource type %q%s", typ, suggest(typ, c.spec.names))
			if hasProps {
				c.any(path+".Properties", props)
			}
			return
		}
		if rs.Transform != "" && !c.transforms[rs.Transform] {
			c.add(path+".Type", "%s needs the template's Transform to include %s", typ, rs.Transform)
		}
		if !hasProps {
			props = map[string]any{}
		}
		c.value(path+".Properties", props, &Type{Kind: KindRef, Object: rs.Properties})
	}
}

func custom(typ string) bool {
	return strings.HasPrefix(typ, "Custom::") || typ == "AWS::CloudFormation::CustomResource"
}

func (c *checker) policy(path string, r map[string]any, key string, allowed []string) {
	v, ok := r[key]
	if !ok {
		return
	}
	path += "." + key
	if _, _, isFn := intrinsicOf(v, false); isFn {
		c.value(path, v, stringType)
		return
	}
	s, isString := v.(string)
	if !isString || !contains(allowed, s) {
		c.add(path, "want one of %s, got %s", quoteAll(allowed), show(v))
	}
}

func (c *checker) dependsOn(path, self string, v any) {
	var names []any
	switch d := v.(type) {
	case string:
		names = []any{d}
	case []any:
		names = d
	default:
		c.add(path, "want a logical ID or a list of them, got %s", jsonKind(v))
		return
	}
	for i, n := range names {
		p := path
		if _, isList := v.([]any); isList {
			p = fmt.Sprintf("%s[%d]", path, i)
		}
		name, ok := n.(string)
		switch {
		case !ok:
			c.add(p, "want a logical ID, got %s", jsonKind(n))
		case c.resources[name] == nil:
			c.add(p, "no resource %q in the template%s", name, suggest(name, sortedKeys(c.resources)))
		default:
			c.depend(name)
		}
	}
}

func (c *checker) depend(target string) {
	if c.cur == "" {
		return
	}
	if c.deps[c.cur] == nil {
		c.deps[c.cur] = map[string]bool{}
	}
	c.deps[c.cur][target] = true
}

// custom checks the properties of a custom resource: ServiceToken is
// required, the rest is the provider's business (references are checked).
func (c *checker) customProperties(path string, props any, present bool) {
	m, ok := props.(map[string]any)
	if !present || !ok {
		if present {
			c.add(path, "want object, got %s", jsonKind(props))
		} else {
			c.add(path+".ServiceToken", "missing required property of a custom resource")
		}
		return
	}
	for _, k := range sortedKeys(m) {
		if k == "ServiceToken" {
			c.value(path+"."+k, m[k], stringType)
		} else {
			c.any(path+"."+k, m[k])
		}
	}
	if _, ok := m["ServiceToken"]; !ok {
		c.add(path+".ServiceToken", "missing required property of a custom resource")
	}
}

func (c *checker) output(path string, v any) {
	if name := path[len("Outputs."):]; !alnum.MatchString(name) {
		c.add(path, "an output's name must be alphanumeric")
	}
	o, ok := v.(map[string]any)
	if !ok {
		c.add(path, "want object, got %s", jsonKind(v))
		return
	}
	for _, k := range sortedKeys(o) {
		p := path + "." + k
		switch k {
		case "Description":
			if _, ok := o[k].(string); !ok {
				c.add(p, "want string, got %s", jsonKind(o[k]))
			}
		case "Value":
			c.value(p, o[k], stringType)
		case "Condition":
			c.conditionName(p, o[k])
		case "Export":
			e, ok := o[k].(map[string]any)
			if !ok {
				c.add(p, "want object, got %s", jsonKind(o[k]))
				continue
			}
			for _, ek := range sortedKeys(e) {
				if ek != "Name" {
					c.add(p+"."+ek, "unknown key of an export (only Name)")
				}
			}
			if n, ok := e["Name"]; ok {
				c.value(p+".Name", n, stringType)
			} else {
				c.add(p+".Name", "missing: an export needs a Name")
			}
		default:
			c.add(p, "unknown key of an output%s", suggest(k, []string{"Condition", "Description", "Export", "Value"}))
		}
	}
	if _, ok := o["Value"]; !ok {
		c.add(path+".Value", "missing: every output needs a Value")
	}
}

// cycles reports every group of resources that depend on each other
// (Tarjan's strongly connected components).
func (c *checker) cycles() {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	next := 0
	var visit func(string)
	visit = func(v string) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range sortedKeys(c.deps[v]) {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		var group []string
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			group = append(group, w)
			if w == v {
				break
			}
		}
		if len(group) > 1 || c.deps[v][v] {
			sort.Strings(group)
			c.add("Resources."+group[0], "circular dependency between %s", strings.Join(group, ", "))
		}
	}
	for _, id := range sortedKeys(c.resources) {
		if _, seen := index[id]; !seen {
			visit(id)
		}
	}
}

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
		if fn == "Fn::If" {
			c.fnIf(path, arg, t)
			return
		}
		if k := c.intrinsic(path, fn, arg); !fits(k, t) {
			c.add(path, "want %s, got %s (%s)", t, k, fn)
		}
		return
	}
	switch t.Kind {
	case KindString, KindDateTime:
		switch s := v.(type) {
		case string:
			if len(t.Allowed) > 0 && !allowed(t.Allowed, s) {
				c.add(path, "want one of %s, got %q", showAll(t.Allowed), s)
			}
		case json.Number, float64, bool: // CloudFormation passes them on as strings
		default:
			c.mismatch(path, t, v)
		}
	case KindNumber:
		if _, ok := number(v); !ok {
			c.mismatch(path, t, v)
		}
	case KindInteger:
		f, ok := number(v)
		switch {
		case !ok:
			c.mismatch(path, t, v)
		case f != math.Trunc(f) || math.IsInf(f, 0):
			c.add(path, "want integer, got %s", show(v))
		case len(t.Allowed) > 0 && !allowed(t.Allowed, f):
			c.add(path, "want one of %s, got %s", showAll(t.Allowed), show(v))
		}
	case KindBoolean:
		switch b := v.(type) {
		case bool:
		case string:
			if !strings.EqualFold(b, "true") && !strings.EqualFold(b, "false") {
				c.mismatch(path, t, v)
			}
		default:
			c.mismatch(path, t, v)
		}
	case KindJSON:
		switch v.(type) {
		case map[string]any, []any:
			c.any(path, v)
		default:
			c.add(path, "want json (an object or array), got %s", describe(v))
		}
	case KindArray:
		a, ok := v.([]any)
		if !ok {
			c.mismatch(path, t, v)
			return
		}
		for i, e := range a {
			c.value(fmt.Sprintf("%s[%d]", path, i), e, t.Element)
		}
	case KindMap:
		m, ok := v.(map[string]any)
		if !ok {
			c.mismatch(path, t, v)
			return
		}
		for _, k := range sortedKeys(m) {
			c.value(path+"."+k, m[k], t.Element)
		}
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
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			c.add(p, "want a logical ID or parameter name, got %s", describe(arg))
			return kAny
		}
		return c.ref(p, name)
	case "Fn::GetAtt":
		return c.getAtt(p, arg)
	case "Fn::Join":
		if a := c.args(p, arg, 2, 2); a != nil {
			c.literalString(p+"[0]", a[0])
			c.list(p+"[1]", a[1], true)
		}
		return kString
	case "Fn::Sub":
		c.sub(p, arg)
		return kString
	case "Fn::Split":
		if a := c.args(p, arg, 2, 2); a != nil {
			c.literalString(p+"[0]", a[0])
			c.scalar(p+"[1]", a[1])
		}
		return kList
	case "Fn::Select":
		if a := c.args(p, arg, 2, 2); a != nil {
			c.value(p+"[0]", a[0], &Type{Kind: KindInteger})
			list := c.list(p+"[1]", a[1], false)
			if i, ok := number(a[0]); ok && list != nil && (i < 0 || int(i) >= len(list)) {
				c.add(p+"[0]", "index %v is outside the list of %d", i, len(list))
			}
		}
		return kAny
	case "Fn::GetAZs":
		c.scalar(p, arg)
		return kList
	case "Fn::ImportValue":
		c.scalar(p, arg)
		return kString
	case "Fn::Base64":
		c.scalar(p, arg)
		return kString
	case "Fn::Cidr":
		if a := c.args(p, arg, 3, 3); a != nil {
			c.scalar(p+"[0]", a[0])
			c.value(p+"[1]", a[1], &Type{Kind: KindInteger})
			c.value(p+"[2]", a[2], &Type{Kind: KindInteger})
		}
		return kList
	case "Fn::FindInMap":
		c.findInMap(p, arg)
		return kAny
	case "Fn::If":
		c.fnIf(path, arg, nil)
		return kAny
	case "Fn::Length":
		c.needs(p, fn, languageExtensions)
		c.list(p, arg, false)
		return kNumber
	case "Fn::ToJsonString":
		c.needs(p, fn, languageExtensions)
		c.any(p, arg)
		return kString
	case "Fn::Transform":
		c.any(p, arg)
		return kAny
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		c.add(p, "%s belongs in Conditions (use a named condition with Fn::If)", fn)
		return kAny
	}
	c.add(p, "unknown intrinsic function%s", suggest(fn, []string{
		"Fn::Base64", "Fn::Cidr", "Fn::FindInMap", "Fn::GetAZs", "Fn::GetAtt", "Fn::If", "Fn::ImportValue",
		"Fn::Join", "Fn::Length", "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::ToJsonString", "Fn::Transform",
	}))
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
	// A nested attribute of an attribute that is an object (a property type
	// is followed), or of a list or map (Outputs.Name of a stack).
	parts := strings.Split(name, ".")
	for i := len(parts) - 1; i > 0; i-- {
		t, ok := r.Attributes[strings.Join(parts[:i], ".")]
		if !ok {
			continue
		}
		for _, sub := range parts[i:] {
			switch t.Kind {
			case KindArray, KindMap, KindJSON:
				return kAny
			case KindRef:
				p, ok := t.Object.Props[sub]
				if !ok {
					t = nil
				} else {
					t = p.Type
				}
			default:
				t = nil
			}
			if t == nil {
				break
			}
		}
		if t != nil {
			return kindOfType(t)
		}
	}
	c.add(path, "%s %s has no attribute %q%s (it has %s)", info.typ, id, name,
		suggest(name, sortedKeys(r.Attributes)), orNone(sortedKeys(r.Attributes)))
	return kAny
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
