package cfnschema

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
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
	c.header(tpl)
	c.collectTransforms(tpl["Transform"])

	// First the names that references can resolve to.
	if v, ok := tpl["Parameters"]; ok {
		c.parameters(section(c, "Parameters", v))
	}
	if v, ok := tpl["Mappings"]; ok {
		c.mappings = section(c, "Mappings", v)
	}
	conds := c.declareConditions(tpl)
	resources := c.declareResources(tpl)

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

// header checks the section names, the format version and the description.
func (c *checker) header(tpl map[string]any) {
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
}

// declareConditions returns the Conditions section and records their names.
func (c *checker) declareConditions(tpl map[string]any) map[string]any {
	v, ok := tpl["Conditions"]
	if !ok {
		return map[string]any{}
	}
	conds := section(c, "Conditions", v)
	for name := range conds {
		c.conditions[name] = true
	}
	return conds
}

// declareResources returns the Resources section (it must have one) and
// records each resource's type.
func (c *checker) declareResources(tpl map[string]any) map[string]any {
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
	return resources
}

// entry checks an entry of a section (a parameter, a resource, an output)
// at path: its name, which what names in the message, is alphanumeric, and
// it is an object.
func (c *checker) entry(path, name, what string, v any) (map[string]any, bool) {
	if !alnum.MatchString(name) {
		c.add(path, "%s must be alphanumeric", what)
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.add(path, "want object, got %s", jsonKind(v))
	}
	return m, ok
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
		p, ok := c.entry(path, name, "a parameter's name", params[name])
		if !ok {
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
	r, ok := c.entry(path, id, "a logical ID", v)
	if !ok {
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
	c.typeAndProperties(path, r)
}

// typeAndProperties checks a resource's Type, and its Properties against the
// type's schema.
func (c *checker) typeAndProperties(path string, r map[string]any) {
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
		c.typedProperties(path, typ, props, hasProps)
	}
}

// typedProperties checks the properties of a resource of an AWS type.
func (c *checker) typedProperties(path, typ string, props any, hasProps bool) {
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
	o, ok := c.entry(path, path[len("Outputs."):], "an output's name", v)
	if !ok {
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
