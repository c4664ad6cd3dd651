// Package cfnschema checks a CloudFormation template against the published
// resource schemas of CloudFormation, as the npm package
// @aws-cdk/aws-service-spec carries them (its db.json.gz, pinned in
// package.json): every resource type exists, every property is known and of
// the right JSON type (recursively through the nested property types),
// required properties are present, enums hold an allowed value where the
// spec lists the values (it does not for some strings that CloudFormation
// checks: Lambda Runtime and Architectures, DynamoDB BillingMode, an alarm's
// Statistic and ComparisonOperator; deploy/'s own tests pin the values this
// project uses there), and
// the references of the template resolve (Ref, Fn::GetAtt with an attribute
// that the type has, Fn::Sub, DependsOn, Condition, Fn::If, Fn::FindInMap).
//
// Nobody can deploy from the development machines, so this is how a packaged
// template is proven deployable as far as the schemas go; it does not
// replace CloudFormation's own checks of values (patterns, lengths, ranges).
//
// Load reads the spec once (about 15 MB of JSON: only the fields that the
// checks need are decoded); Spec.Validate checks a template and returns every
// problem with its path, e.g.
//
//	Resources.HttpApiStage.Properties.DefaultRouteSettings.ThrottlingRateLimit: want number, got string
package cfnschema

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// DBPath is where npm installs the spec, relative to the folder of
// package.json.
const DBPath = "node_modules/@aws-cdk/aws-service-spec/db.json.gz"

// Locate looks for DBPath in dir and in each folder above it, and returns
// the path of db.json.gz. Its error says to run `npm ci` when the package is
// missing.
func Locate(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		p := filepath.Join(d, filepath.FromSlash(DBPath))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(d, "package.json")); err == nil {
			return "", fmt.Errorf("%s is missing: run `npm ci` in %s (make deps and make test do it)", p, d)
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no %s in %s or any folder above it: run `npm ci` at the repository root (make deps and make test do it)", DBPath, abs)
		}
	}
}

// Spec is the loaded schema database: resource types by CloudFormation
// type name.
type Spec struct {
	resources map[string]*Resource
	names     []string // sorted type names, for suggestions
}

// Resource is one resource type of the spec.
type Resource struct {
	Type string // e.g. AWS::SNS::Topic
	// Transform is the transform a template needs to use the type
	// (AWS::Serverless-2016-10-31 for the AWS::Serverless::* types), or "".
	Transform  string
	Properties *Object
	// Attributes are the names that Fn::GetAtt accepts, with their types.
	// Nested attributes are spelt with dots, as the spec does
	// (Endpoint.Address).
	Attributes map[string]*Type
}

// Object is a set of properties: a resource's Properties or a nested
// property type.
type Object struct {
	Name  string // the property type's name ("Cors"), or the resource type
	Props map[string]*Property
}

// Property is one property of an Object.
type Property struct {
	Type     *Type
	Required bool
	// Previous are types that the property had in earlier versions of the
	// schema; a value of one of them is accepted too (CloudFormation kept
	// accepting them: the newer type usually only describes the same value
	// more precisely).
	Previous []*Type
}

// Kind of a Type, as the spec spells it.
const (
	KindString   = "string"
	KindNumber   = "number"
	KindInteger  = "integer"
	KindBoolean  = "boolean"
	KindDateTime = "date-time"
	KindJSON     = "json"  // any JSON object or array
	KindTag      = "tag"   // {"Key": string, "Value": string}
	KindArray    = "array" // Element
	KindMap      = "map"   // object of Element
	KindRef      = "ref"   // Object (a nested property type)
	KindUnion    = "union" // one of Types
)

// Type is the type of a property or attribute.
type Type struct {
	Kind    string
	Element *Type   // array, map
	Object  *Object // ref, tag
	Types   []*Type // union
	// Allowed are the allowed values of a string or integer, if the spec
	// lists them.
	Allowed []any
}

// raw* are the parts of db.json.gz that are decoded; every other field
// (documentation above all) is skipped by the decoder.
type rawDB struct {
	Schema struct {
		Resource struct {
			Entities []rawResource `json:"entities"`
		} `json:"resource"`
		TypeDefinitions struct {
			Entities []rawTypeDef `json:"entities"`
		} `json:"typeDefinition"`
	} `json:"schema"`
}

type rawResource struct {
	ID         string                  `json:"$id"`
	Type       string                  `json:"cloudFormationType"`
	Transform  string                  `json:"cloudFormationTransform"`
	Properties map[string]*rawProperty `json:"properties"`
	Attributes map[string]*rawProperty `json:"attributes"`
}

type rawTypeDef struct {
	ID         string                  `json:"$id"`
	Name       string                  `json:"name"`
	Properties map[string]*rawProperty `json:"properties"`
}

type rawProperty struct {
	Type     *rawType   `json:"type"`
	Required bool       `json:"required"`
	Previous []*rawType `json:"previousTypes"`
}

type rawType struct {
	Kind      string     `json:"type"`
	Element   *rawType   `json:"element"`
	Types     []*rawType `json:"types"`
	Allowed   []any      `json:"allowedValues"`
	Reference *struct {
		ID string `json:"$ref"`
	} `json:"reference"`
}

// Load reads db.json.gz (see Locate).
func Load(path string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f)
}

// Read reads the spec from a gzip stream of db.json.
func Read(r io.Reader) (*Spec, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("cfnschema: %w", err)
	}
	var db rawDB
	if err := json.NewDecoder(zr).Decode(&db); err != nil {
		return nil, fmt.Errorf("cfnschema: decoding the spec: %w", err)
	}
	return build(&db)
}

var tagObject = &Object{Name: "Tag", Props: map[string]*Property{
	"Key":   {Type: &Type{Kind: KindString}, Required: true},
	"Value": {Type: &Type{Kind: KindString}, Required: true},
}}

func build(db *rawDB) (*Spec, error) {
	if len(db.Schema.Resource.Entities) == 0 || len(db.Schema.TypeDefinitions.Entities) == 0 {
		return nil, errors.New("cfnschema: the spec has no resources or no property types (has its format changed?)")
	}
	defs := map[string]*Object{}
	for _, td := range db.Schema.TypeDefinitions.Entities {
		defs[td.ID] = &Object{Name: td.Name}
	}
	b := builder{defs: defs}
	for _, td := range db.Schema.TypeDefinitions.Entities {
		defs[td.ID].Props = b.props(td.Properties, "property type "+td.Name)
	}
	s := &Spec{resources: map[string]*Resource{}}
	for _, re := range db.Schema.Resource.Entities {
		r := &Resource{
			Type:       re.Type,
			Transform:  re.Transform,
			Properties: &Object{Name: re.Type, Props: b.props(re.Properties, re.Type)},
			Attributes: map[string]*Type{},
		}
		for name, a := range re.Attributes {
			r.Attributes[name] = b.typ(a.Type, re.Type+" attribute "+name)
		}
		if _, dup := s.resources[re.Type]; dup {
			return nil, fmt.Errorf("cfnschema: resource type %s is in the spec twice", re.Type)
		}
		s.resources[re.Type] = r
		s.names = append(s.names, re.Type)
	}
	if b.err != nil {
		return nil, b.err
	}
	sort.Strings(s.names)
	return s, nil
}

type builder struct {
	defs map[string]*Object
	err  error
}

func (b *builder) props(raw map[string]*rawProperty, where string) map[string]*Property {
	out := make(map[string]*Property, len(raw))
	for name, p := range raw {
		q := &Property{Type: b.typ(p.Type, where+"."+name), Required: p.Required}
		for _, prev := range p.Previous {
			q.Previous = append(q.Previous, b.typ(prev, where+"."+name+" (previous type)"))
		}
		out[name] = q
	}
	return out
}

// typ converts a raw type; a kind that it does not know, or a reference to a
// missing property type, is an error of Load: a newer spec that uses
// something new must be looked at, not half understood.
func (b *builder) typ(r *rawType, where string) *Type {
	fail := func(format string, args ...any) *Type {
		if b.err == nil {
			b.err = fmt.Errorf("cfnschema: %s: "+format, append([]any{where}, args...)...)
		}
		return &Type{Kind: KindJSON}
	}
	if r == nil {
		return fail("no type")
	}
	t := &Type{Kind: r.Kind, Allowed: r.Allowed}
	switch r.Kind {
	case KindString, KindNumber, KindInteger, KindBoolean, KindDateTime, KindJSON:
	case KindTag:
		t.Object = tagObject
	case KindArray, KindMap:
		if r.Element == nil {
			return fail("%s without element", r.Kind)
		}
		t.Element = b.typ(r.Element, where+"[]")
	case KindRef:
		if r.Reference == nil {
			return fail("ref without reference")
		}
		o, ok := b.defs[r.Reference.ID]
		if !ok {
			return fail("reference to unknown property type %q", r.Reference.ID)
		}
		t.Object = o
	case KindUnion:
		if len(r.Types) == 0 {
			return fail("union without types")
		}
		for _, u := range r.Types {
			t.Types = append(t.Types, b.typ(u, where))
		}
	default:
		return fail("unknown kind of type %q", r.Kind)
	}
	return t
}

// Resource returns the resource type called typ, or nil.
func (s *Spec) Resource(typ string) *Resource { return s.resources[typ] }

// Len is the number of resource types.
func (s *Spec) Len() int { return len(s.resources) }

// String describes a type as the problems do: "string", "array of string",
// "Cors", "string or json".
func (t *Type) String() string {
	switch t.Kind {
	case KindArray:
		return "array of " + t.Element.String()
	case KindMap:
		return "map of " + t.Element.String()
	case KindRef, KindTag:
		return t.Object.Name
	case KindUnion:
		s := ""
		for i, u := range t.Types {
			if i > 0 {
				s += " or "
			}
			s += u.String()
		}
		return s
	}
	return t.Kind
}
