package iamusage

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// Template is the part of a CloudFormation template that Check reads.
type Template struct {
	Resources map[string]struct {
		Type       string         `json:"Type"`
		Properties map[string]any `json:"Properties"`
	} `json:"Resources"`
}

// ParseTemplate reads a CloudFormation template in JSON.
func ParseTemplate(b []byte) (*Template, error) {
	var t Template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("iamusage: template: %w", err)
	}
	return &t, nil
}

// Resource is the resource a statement names: Fn::GetAtt [Logical, Attr].
type Resource struct{ Logical, Attr string }

func (r Resource) String() string {
	if r.Attr == "Arn" {
		return r.Logical
	}
	return r.Logical + "." + r.Attr
}

// Access is one action on one resource.
type Access struct {
	Resource Resource
	Action   string // e.g. dynamodb:GetItem
}

// Function is a Lambda of the template.
type Function struct {
	Name     string // its folder under functions/ (the artifact's name)
	LambdaID string // logical id of its AWS::Lambda::Function
	Role     string // logical id of its AWS::IAM::Role
	// Streams are the DynamoDB streams its event source mappings read,
	// with the logical id of each mapping.
	Streams map[Resource]string
}

// Rules are what Check needs beyond the template and the usage.
type Rules struct {
	// Service is the IAM prefix of the actions checked ("dynamodb"); the
	// statements' other actions are left alone.
	Service string
	// StreamActions are the actions an event source mapping needs on the
	// stream it reads (StreamArn), with the function's role.
	StreamActions []string
	// TableNames names tables in messages ("TwitterTable" -> "the users
	// table"); TablePackages says which package uses each one.
	TableNames    map[string]string
	TablePackages map[string]string
	// Trim is removed from function and package names in messages (the
	// module path and a slash).
	Trim string
	// ConfigFile is where roles are written (for messages).
	ConfigFile string
}

// Functions lists the Lambdas of the template, sorted by name.
func (t *Template) Functions() ([]Function, []string) {
	var fns []Function
	var problems []string
	byID := map[string]*Function{}
	for id, r := range t.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		f := Function{LambdaID: id, Streams: map[Resource]string{}}
		key, _ := slsyml.Dig(r.Properties, "Code", "S3Key").(string)
		f.Name = strings.TrimSuffix(path.Base(key), ".zip")
		if key == "" || f.Name == path.Base(key) {
			problems = append(problems, fmt.Sprintf("%s: the code is not an artifact <function>.zip (Code.S3Key %q): cannot tell which functions/<name> it is", id, key))
			continue
		}
		role, ok := getAtt(r.Properties["Role"])
		if !ok || role.Attr != "Arn" || t.Resources[role.Logical].Type != "AWS::IAM::Role" {
			problems = append(problems, fmt.Sprintf("%s (functions/%s): its Role is not Fn::GetAtt [<an AWS::IAM::Role of the template>, Arn] but %s", id, f.Name, js(r.Properties["Role"])))
			continue
		}
		f.Role = role.Logical
		fns = append(fns, f)
	}
	for i := range fns {
		byID[fns[i].LambdaID] = &fns[i]
	}
	for id, r := range t.Resources {
		if r.Type != "AWS::Lambda::EventSourceMapping" {
			continue
		}
		fn, ok := getAtt(r.Properties["FunctionName"])
		if !ok {
			fn.Logical = ref(r.Properties["FunctionName"])
		}
		f := byID[fn.Logical]
		if f == nil {
			problems = append(problems, fmt.Sprintf("event source mapping %s: FunctionName %s is not a Lambda of the template", id, js(r.Properties["FunctionName"])))
			continue
		}
		src, ok := getAtt(r.Properties["EventSourceArn"])
		if !ok || t.Resources[src.Logical].Type != "AWS::DynamoDB::Table" {
			continue // not a DynamoDB stream: not ours to check
		}
		f.Streams[src] = id
	}
	slices.SortFunc(fns, func(a, b Function) int { return strings.Compare(a.Name, b.Name) })
	return fns, problems
}

// Grants returns the actions of service that role allows, with the
// resource each names. Statements that name a resource other than
// Fn::GetAtt [X, Attr] (or a list of them), or actions with wildcards, are
// problems: the grant cannot be compared with the code.
func (t *Template) Grants(role, service string) (map[Access]bool, []string) {
	granted := map[Access]bool{}
	var problems []string
	pols, _ := t.Resources[role].Properties["Policies"].([]any)
	for _, p := range pols {
		sts, _ := slsyml.Dig(p, "PolicyDocument", "Statement").([]any)
		for _, s := range sts {
			st, _ := s.(map[string]any)
			problems = append(problems, statementGrants(role, service, st, granted)...)
		}
	}
	return granted, problems
}

// statementGrants adds to granted the actions of service that the statement
// st of role allows, and returns its problems.
func statementGrants(role, service string, st map[string]any, granted map[Access]bool) []string {
	if st["Effect"] != "Allow" {
		return nil
	}
	actions := slices.DeleteFunc(strList(st["Action"]), func(a string) bool { return !strings.HasPrefix(a, service+":") && a != "*" })
	if len(actions) == 0 {
		return nil
	}
	if st["NotResource"] != nil || st["NotAction"] != nil {
		return []string{fmt.Sprintf("%s: a statement with NotResource/NotAction cannot be checked: %s", role, js(st))}
	}
	resources, ok := statementResources(st["Resource"])
	if !ok {
		return []string{fmt.Sprintf("%s grants %s on %s, which cannot be attributed to a table: name the resource as Fn::GetAtt [<table>, Arn] (or [<table>, StreamArn] for a stream), or teach tools/iamusage the new form", role, strings.Join(actions, ", "), js(st["Resource"]))}
	}
	var problems []string
	for _, a := range actions {
		if strings.Contains(a, "*") {
			problems = append(problems, fmt.Sprintf("%s grants %s on %v: a wildcard action; name each action the code uses", role, a, resources))
			continue
		}
		for _, r := range resources {
			granted[Access{r, a}] = true
		}
	}
	return problems
}

// statementResources reads a statement's Resource: Fn::GetAtt [X, Attr],
// or a list of them; false for anything else.
func statementResources(raw any) ([]Resource, bool) {
	list, isList := raw.([]any)
	if !isList {
		list = []any{raw}
	}
	if len(list) == 0 {
		return nil, false
	}
	resources := make([]Resource, 0, len(list))
	for _, r := range list {
		res, ok := getAtt(r)
		if !ok {
			return nil, false
		}
		resources = append(resources, res)
	}
	return resources, true
}

// Check compares each role of the template's functions with what those
// functions use: the operations their code calls on each table (usage, by
// function name) and the stream reads of their event source mappings. It
// returns one actionable message per difference, sorted; none means every
// role grants exactly what is used.
func Check(t *Template, usage map[string]*Usage, rules Rules) []string {
	fns, problems := t.Functions()
	byRole := map[string][]Function{}
	for _, f := range fns {
		byRole[f.Role] = append(byRole[f.Role], f)
	}
	ck := &checker{t: t, usage: usage, rules: rules, isStream: map[string]bool{}}
	for _, a := range rules.StreamActions {
		ck.isStream[rules.Service+":"+a] = true
	}
	for _, role := range slices.Sorted(maps.Keys(byRole)) {
		problems = append(problems, ck.role(role, byRole[role])...)
	}
	slices.Sort(problems)
	return problems
}

// checker checks the roles of one template.
type checker struct {
	t        *Template
	usage    map[string]*Usage
	rules    Rules
	isStream map[string]bool // the stream actions, with the service prefix
}

// need is why an access is required, for messages.
type need struct {
	fn      string
	call    *Call  // code
	mapping string // stream
}

// role checks one role, shared by the functions fs: what it grants against
// what they need.
func (ck *checker) role(role string, fs []Function) []string {
	required, dirs, problems := ck.required(role, fs)
	granted, gp := ck.t.Grants(role, ck.rules.Service)
	problems = append(problems, gp...)
	if len(dirs) == len(fs) { // else a function was not analyzed: any grant may be used
		problems = append(problems, ck.unused(role, granted, required, strings.Join(dirs, ", "))...)
	}
	return append(problems, ck.missing(role, granted, required)...)
}

// required is what the functions fs need: the operations their code calls
// on tables and the stream reads of their event source mappings. dirs are
// the functions whose code was analyzed.
func (ck *checker) required(role string, fs []Function) (required map[Access]need, dirs, problems []string) {
	required = map[Access]need{}
	for _, f := range fs {
		dir := "functions/" + f.Name
		u := ck.usage[f.Name]
		if u == nil {
			problems = append(problems, fmt.Sprintf("the template deploys %s (%s, role %s) but no main package %s was analyzed: cannot tell what its code uses", f.Name, f.LambdaID, role, dir))
			continue
		}
		dirs = append(dirs, dir)
		problems = append(problems, ck.unmapped(dir, u)...)
		for _, tbl := range u.Tables() {
			for _, op := range u.Ops(tbl) {
				a := Access{Resource{tbl, "Arn"}, ck.rules.Service + ":" + op}
				if _, dup := required[a]; !dup {
					c := u.Calls[tbl][op][0]
					required[a] = need{fn: dir, call: &c}
				}
			}
		}
		for _, s := range sortedStreams(f.Streams) {
			for _, act := range ck.rules.StreamActions {
				a := Access{s, ck.rules.Service + ":" + act}
				if _, dup := required[a]; !dup {
					required[a] = need{fn: dir, mapping: f.Streams[s]}
				}
			}
		}
	}
	return required, dirs, problems
}

// unmapped are the problems of the calls of u made from packages without a
// table.
func (ck *checker) unmapped(dir string, u *Usage) []string {
	var problems []string
	for _, c := range u.Unmapped {
		tables := make([]string, 0, len(ck.rules.TablePackages))
		for tbl, pkg := range ck.rules.TablePackages {
			tables = append(tables, fmt.Sprintf("%s -> %s", ck.trim(pkg), tbl))
		}
		slices.Sort(tables)
		problems = append(problems, fmt.Sprintf("%s calls %s from package %s (%s in %s), which is mapped to no table (%s): move the call into the store package of its table, or map %s to its table in the test's package->table map%s",
			dir, c.Op, ck.trim(c.Pkg), c.Pos, ck.trim(c.Caller), strings.Join(tables, ", "), ck.trim(c.Pkg), via(c, ck.trim)))
	}
	return problems
}

// unused are the grants of role that nothing of fnList needs.
func (ck *checker) unused(role string, granted map[Access]bool, required map[Access]need, fnList string) []string {
	var problems []string
	where := ck.where()
	for _, a := range sortedAccesses(granted) {
		if _, ok := required[a]; ok {
			continue
		}
		op := strings.TrimPrefix(a.Action, ck.rules.Service+":")
		switch {
		case a.Resource.Attr == "Arn":
			problems = append(problems, fmt.Sprintf("%s grants %s on %s but no code reachable from %s calls %s on %s: remove the grant (%s, %s)",
				role, a.Action, a.Resource, fnList, op, ck.tableName(a.Resource.Logical), where, role))
		case ck.isStream[a.Action]:
			problems = append(problems, fmt.Sprintf("%s grants %s on %s but no event source mapping of the template reads that stream for %s: remove the grant (%s, %s)",
				role, a.Action, a.Resource, fnList, where, role))
		default:
			problems = append(problems, fmt.Sprintf("%s grants %s on %s, which neither the code of %s (it calls operations on tables: Fn::GetAtt [<table>, Arn]) nor an event source mapping (%s on StreamArn) uses: remove the grant (%s, %s)",
				role, a.Action, a.Resource, fnList, strings.Join(ck.rules.StreamActions, "/"), where, role))
		}
	}
	return problems
}

// missing are the accesses required but not granted by role.
func (ck *checker) missing(role string, granted map[Access]bool, required map[Access]need) []string {
	var problems []string
	where := ck.where()
	for _, a := range sortedAccesses(required) {
		if granted[a] {
			continue
		}
		n := required[a]
		if n.call != nil {
			c := n.call
			problems = append(problems, fmt.Sprintf("%s calls %s on %s (%s in %s%s) but %s does not grant %s on %s: add it to %s in %s (Resource: Fn::GetAtt [%s, %s]), or remove the call",
				n.fn, c.Op, ck.tableName(a.Resource.Logical), c.Pos, ck.trim(c.Caller), via(*c, ck.trim), role, a.Action, a.Resource, role, where, a.Resource.Logical, a.Resource.Attr))
		} else {
			problems = append(problems, fmt.Sprintf("the event source mapping %s reads the stream %s for %s but %s does not grant %s on it: add it to %s in %s (Resource: Fn::GetAtt [%s, %s])",
				n.mapping, a.Resource, n.fn, role, a.Action, role, where, a.Resource.Logical, a.Resource.Attr))
		}
	}
	return problems
}

func (ck *checker) trim(s string) string {
	if ck.rules.Trim == "" {
		return s
	}
	return strings.ReplaceAll(s, ck.rules.Trim, "")
}

func (ck *checker) tableName(logical string) string {
	return cmp.Or(ck.rules.TableNames[logical], logical)
}

// where is where roles are written, for messages.
func (ck *checker) where() string { return cmp.Or(ck.rules.ConfigFile, "the template") }

// via shows how main reaches the call.
func via(c Call, trim func(string) string) string {
	if len(c.Path) == 0 {
		return ""
	}
	return "; reached by " + trim(strings.Join(c.Path, " -> "))
}

func sortedAccesses[V any](m map[Access]V) []Access {
	return slices.SortedFunc(maps.Keys(m), func(a, b Access) int {
		return cmp.Or(strings.Compare(a.Resource.String(), b.Resource.String()), strings.Compare(a.Action, b.Action))
	})
}

func sortedStreams(m map[Resource]string) []Resource {
	return slices.SortedFunc(maps.Keys(m), func(a, b Resource) int { return strings.Compare(a.String(), b.String()) })
}

// getAtt reads {"Fn::GetAtt": ["X", "Attr"]} (or "X.Attr").
func getAtt(v any) (Resource, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return Resource{}, false
	}
	switch x := m["Fn::GetAtt"].(type) {
	case []any:
		if len(x) == 2 {
			l, ok1 := x[0].(string)
			a, ok2 := x[1].(string)
			if ok1 && ok2 {
				return Resource{l, a}, true
			}
		}
	case string:
		if l, a, ok := strings.Cut(x, "."); ok {
			return Resource{l, a}, true
		}
	}
	return Resource{}, false
}

func ref(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["Ref"].(string)
	return s
}

func strList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
