package slsyml

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is serverless.yml parsed as a YAML tree, with the variable
// resolution that the table definitions need.
type File struct {
	path  string
	root  *yaml.Node // the document's top-level mapping
	stage string
}

func Read(repoRoot, stage string) (*File, error) {
	path := filepath.Join(repoRoot, "serverless.yml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("slsyml: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("slsyml: %s: %w", path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("slsyml: %s is not a YAML mapping", path)
	}
	if stage == "" {
		return nil, errors.New("slsyml: empty stage")
	}
	return &File{path: path, root: doc.Content[0], stage: stage}, nil
}

// child returns the value of key in mapping n, following aliases; nil when
// n is not a mapping or has no such key.
func Child(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") }

// A framework variable: ${source:address}, the source in lower case, as the
// framework parses it (so CloudFormation's ${AWS::Region} is left alone). The
// address excludes "${", so nested variables resolve innermost first.
var (
	variableRe      = regexp.MustCompile(`\$\{\s*([a-z][a-zA-Z0-9]*:[^${}]*)\}`)
	wholeVariableRe = regexp.MustCompile(`^` + variableRe.String() + `$`)
)

// maxDepth bounds variables that refer to variables (and catches cycles).
const maxDepth = 16

var errTooDeep = errors.New("variables nest too deep (a cycle?)")

// resolve returns a copy of n with the framework variables it uses replaced:
// ${sls:stage}, ${opt:stage}, ${self:path.to.value} and ${param:name}
// (params.<stage>.name, else params.default.name; a null value falls through,
// as in the framework). A string that is exactly one variable takes the
// variable's value with its type (a boolean stays a boolean); a variable
// inside a longer string must be a scalar. Other sources are errors: the
// tables must not depend on AWS lookups.
func (f *File) resolve(n *yaml.Node, depth int) (*yaml.Node, error) {
	n = deref(n)
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		out := *n
		out.Content = make([]*yaml.Node, len(n.Content))
		for i, c := range n.Content {
			r, err := f.resolve(c, depth)
			if err != nil {
				return nil, err
			}
			out.Content[i] = r
		}
		return &out, nil
	case yaml.ScalarNode:
		s := n.Value
		for ; ; depth++ {
			loc := variableRe.FindStringSubmatchIndex(s)
			if loc == nil {
				break
			}
			if depth > maxDepth {
				return nil, errTooDeep
			}
			v, err := f.variable(s[loc[2]:loc[3]])
			if err != nil {
				return nil, err
			}
			if wholeVariableRe.MatchString(s) {
				return f.resolve(v, depth+1)
			}
			if v, err = f.resolve(v, depth+1); err != nil {
				return nil, err
			}
			if v.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s is not a scalar, it cannot be part of the string %q", s[loc[0]:loc[1]], n.Value)
			}
			s = s[:loc[0]] + v.Value + s[loc[1]:]
		}
		if s == n.Value {
			return n, nil
		}
		out := *n
		out.Value, out.Tag, out.Style = s, "!!str", 0
		return &out, nil
	}
	return n, nil
}

// variable looks up one variable expression (the text between "${" and "}").
func (f *File) variable(expr string) (*yaml.Node, error) {
	expr = strings.TrimSpace(expr)
	source, address, _ := strings.Cut(expr, ":")
	switch {
	case expr == "sls:stage" || expr == "opt:stage" || expr == "self:provider.stage":
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: f.stage}, nil
	case strings.Contains(expr, ","):
		return nil, fmt.Errorf("${%s}: fallback values are not supported by slsyml", expr)
	case source == "self":
		v := f.root
		for _, key := range strings.Split(address, ".") {
			if v = Child(v, key); v == nil {
				return nil, fmt.Errorf("${%s}: %s has no %s", expr, filepath.Base(f.path), address)
			}
		}
		return v, nil
	case source == "param":
		params := Child(f.root, "params")
		for _, section := range []string{f.stage, "default"} {
			if v := Child(Child(params, section), address); !isNull(v) {
				return v, nil
			}
		}
		return nil, fmt.Errorf("${%s}: no params.%s.%s nor params.default.%s", expr, f.stage, address, address)
	}
	return nil, fmt.Errorf("${%s}: only sls:stage, self:, param: variables are supported by slsyml", expr)
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Root is the document's top-level mapping (its variables not resolved:
// Resolve a node of it).
func (f *File) Root() *yaml.Node { return f.root }

// Resolve is n with the framework's variables resolved for the file's
// stage (${self:...}, ${param:...}, ${sls:stage}, ...).
func (f *File) Resolve(n *yaml.Node) (*yaml.Node, error) { return f.resolve(n, 0) }

// Stages lists the stages that serverless.yml configures under params
// (without "default").
func (f *File) Stages() []string {
	params := Child(f.root, "params")
	if params == nil || params.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(params.Content); i += 2 {
		if k := params.Content[i].Value; k != "default" {
			out = append(out, k)
		}
	}
	return out
}

// Decode resolves the value at path of serverless.yml for stage (dot-separated
// keys, as in ${self:functions.generate_session.reservedConcurrency}) and
// decodes it into out with yaml.v3's rules. Local tools use it to read the
// same settings the deployed stack gets (the HTTP API's CORS and throttling,
// a function's reserved concurrency) instead of repeating them.
func Decode(repoRoot, stage, path string, out any) error {
	f, err := Read(repoRoot, stage)
	if err != nil {
		return err
	}
	return f.Decode(path, out)
}

// Decode is the package's Decode on f, already read: for several values of
// one stage, one read of the file.
func (f *File) Decode(path string, out any) error {
	v := f.root
	for _, key := range strings.Split(path, ".") {
		if v = Child(v, key); v == nil {
			return fmt.Errorf("slsyml: %s has no %s", filepath.Base(f.path), path)
		}
	}
	r, err := f.resolve(v, 0)
	if err != nil {
		return fmt.Errorf("slsyml: %s: %w", path, err)
	}
	if err := r.Decode(out); err != nil {
		return fmt.Errorf("slsyml: %s on stage %s: %w", path, f.stage, err)
	}
	return nil
}

// Dig is the value at keys in a tree of maps as yaml.v3 and encoding/json
// decode into an any (a template's resources, say); nil where a key is
// missing or a value on the way is not a map.
func Dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
