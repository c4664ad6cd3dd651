package cfnschema

import (
	"bytes"
	"encoding/json"
	"fmt"
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
