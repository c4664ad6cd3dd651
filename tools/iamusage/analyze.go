// Package iamusage derives, from the code, which operations of an AWS SDK
// client (the DynamoDB one here) each Lambda can perform and on which table,
// and compares that with the IAM roles of the packaged CloudFormation
// template: a role must grant exactly what the code reachable from its
// function's main uses (see Check).
//
// Reachability is a static call graph (SSA + Rapid Type Analysis) from each
// function's main and init: direct calls, calls through function values
// (to every function of that signature whose value the program takes),
// interface calls resolved to the types the program converts to interfaces,
// and reflect.Value.Call to every function whose value is taken (that is
// how aws-lambda-go calls the handler). RTA also counts every exported
// method of a type converted to an interface as reachable, in case
// reflection looks it up by name; such methods are not followed here unless
// a call reaches them (no code of ours calls a store through reflection),
// else every exported method of a store would count for every function
// that has the store.
//
// A call of a client operation is attributed to a table by the package of the
// function that makes it (shared/users -> the users table, ...). A call made
// from a package that has no table (Config.Tables) is reported as unmapped,
// never guessed.
package iamusage

import (
	"cmp"
	"container/heap"
	"fmt"
	"go/token"
	"go/types"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/rta"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// Config says what to analyze.
type Config struct {
	// Dir is the module's root; Patterns the main packages, relative to it
	// (e.g. "./functions/..."). Each main package is one function, named by
	// its folder (functions/twitter_callback -> "twitter_callback").
	Dir      string
	Patterns []string
	// Env (added to the process's) and BuildFlags of the build being
	// analyzed, e.g. GOOS=linux GOARCH=arm64 and -tags lambda.norpc.
	Env        []string
	BuildFlags []string
	// ClientPkg is the import path of the SDK package whose *Client
	// operations are looked for.
	ClientPkg string
	// Tables maps the import path of a package to the logical id (in the
	// template) of the one table its client calls use.
	Tables map[string]string
}

// Call is one call site of a client operation.
type Call struct {
	Op     string   // operation, e.g. "GetItem"
	Table  string   // logical id of the table; "" when Pkg has none
	Pkg    string   // import path of the package the call is made from
	Caller string   // the function that makes the call
	Pos    string   // file:line of the call, relative to Config.Dir
	Path   []string // a chain of calls from main to Caller (main first)
}

// Usage is what the code of one function does with the client.
type Usage struct {
	Function string // folder name under functions/
	Main     string // import path of its main package
	// Calls are the call sites that reach a table, by table and operation.
	Calls map[string]map[string][]Call
	// Unmapped are calls from packages without a table (Config.Tables).
	Unmapped []Call
	// Internal are calls that the SDK makes of its own operations from
	// within its package (e.g. endpoint discovery): no code of ours names
	// a table for them. They are reported, not attributed.
	Internal []Call
}

// Ops lists the operations used on table, sorted.
func (u *Usage) Ops(table string) []string { return slices.Sorted(maps.Keys(u.Calls[table])) }

// Tables lists the tables used, sorted.
func (u *Usage) Tables() []string { return slices.Sorted(maps.Keys(u.Calls)) }

// Analyze loads the main packages once and returns the usage of each
// function, keyed by function name.
func Analyze(cfg Config) (map[string]*Usage, error) {
	lcfg := &packages.Config{
		Mode:       packages.LoadAllSyntax,
		Dir:        cfg.Dir,
		BuildFlags: cfg.BuildFlags,
		Tests:      false,
	}
	if len(cfg.Env) > 0 {
		lcfg.Env = append(os.Environ(), cfg.Env...)
	}
	pkgs, err := packages.Load(lcfg, cfg.Patterns...)
	if err != nil {
		return nil, fmt.Errorf("iamusage: loading %v: %w", cfg.Patterns, err)
	}
	var errs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("iamusage: the packages do not load:\n%s", strings.Join(errs, "\n"))
	}
	prog, ssaPkgs := ssautil.AllPackages(pkgs, ssa.InstantiateGenerics)
	prog.Build()

	out := map[string]*Usage{}
	for _, p := range ssaPkgs {
		if p == nil || p.Pkg.Name() != "main" {
			continue
		}
		mainFn := p.Func("main")
		if mainFn == nil {
			continue
		}
		name := filepath.Base(p.Pkg.Path())
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("iamusage: two main packages named %s", name)
		}
		roots := []*ssa.Function{mainFn}
		if init := p.Func("init"); init != nil {
			roots = append(roots, init)
		}
		out[name] = analyzeMain(cfg, prog.Fset, p.Pkg.Path(), name, roots)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("iamusage: no main package in %v", cfg.Patterns)
	}
	return out, nil
}

func analyzeMain(cfg Config, fset *token.FileSet, mainPath, name string, roots []*ssa.Function) *Usage {
	a := &analysis{
		cfg:      cfg,
		fset:     fset,
		graph:    rta.Analyze(roots, true).CallGraph,
		usage:    &Usage{Function: name, Main: mainPath, Calls: map[string]map[string][]Call{}},
		recorded: map[callSite]bool{},
	}
	a.reach(roots)
	for f := range a.seen {
		op := operation(cfg.ClientPkg, f)
		if op == "" {
			continue
		}
		for _, in := range a.graph.Nodes[f].In {
			if a.seen[in.Caller.Func] {
				a.attribute(in, op, map[*ssa.Function]bool{})
			}
		}
	}
	a.usage.sortCalls()
	return a.usage
}

// analysis is the analysis of one main package.
type analysis struct {
	cfg   Config
	fset  *token.FileSet
	graph *callgraph.Graph
	// seen are the functions reachable from the roots; parent is the edge
	// by which the preferred path reaches each (nil for a root).
	seen   map[*ssa.Function]bool
	parent map[*ssa.Function]*callgraph.Edge
	usage  *Usage
	// recorded are the call sites in usage.
	recorded map[callSite]bool
}

type callSite struct {
	fn  *ssa.Function
	pos token.Pos
	op  string
}

// reach finds what is reachable from the roots along call graph edges only
// (see the package comment): exported methods that RTA adds for reflection
// without an edge are left out. The walk is a shortest-path search that
// prefers static calls to interface calls, and both to calls through
// function values or reflection, so that the path shown in messages reads
// like the code rather than like RTA's coarser edges.
func (a *analysis) reach(roots []*ssa.Function) {
	a.parent = map[*ssa.Function]*callgraph.Edge{}
	a.seen = map[*ssa.Function]bool{}
	dist := map[*ssa.Function]int{}
	q := &edgeQueue{}
	for _, r := range roots {
		dist[r] = 0
		heap.Push(q, item{r, 0})
	}
	for q.Len() > 0 {
		it := heap.Pop(q).(item)
		f := it.fn
		if a.seen[f] || it.dist != dist[f] {
			continue
		}
		a.seen[f] = true
		n := a.graph.Nodes[f]
		if n == nil {
			continue
		}
		for _, e := range n.Out {
			callee := e.Callee.Func
			d := it.dist + cost(e)
			if old, ok := dist[callee]; ok && old <= d {
				continue
			}
			dist[callee] = d
			a.parent[callee] = e
			heap.Push(q, item{callee, d})
		}
	}
}

// pathTo is the preferred chain of calls from a root to f (the root first).
func (a *analysis) pathTo(f *ssa.Function) []string {
	var p []string
	for f != nil {
		p = append(p, f.String())
		e := a.parent[f]
		if e == nil {
			break
		}
		f = e.Caller.Func
	}
	slices.Reverse(p)
	return p
}

// attribute finds the call sites that stand for edge e: e itself when
// its caller is code of a package, or the callers of a synthetic
// wrapper (bound method, promoted method, interface thunk) or of an
// SDK paginator or waiter, which call the operation on behalf of their
// own callers.
func (a *analysis) attribute(e *callgraph.Edge, op string, visiting map[*ssa.Function]bool) {
	caller := e.Caller.Func
	passThrough := caller.Synthetic != ""
	inSDK := false
	if !passThrough {
		if pkg := pkgOf(caller); pkg != nil && pkg.Path() == a.cfg.ClientPkg {
			inSDK = true
			passThrough = isPaginatorOrWaiter(caller)
		}
	}
	if !passThrough {
		a.record(e, op, inSDK)
		return
	}
	if visiting[caller] {
		return
	}
	visiting[caller] = true
	for _, in := range e.Caller.In {
		if a.seen[in.Caller.Func] {
			a.attribute(in, op, visiting)
		}
	}
}

// record adds the call of op at e's site to the usage (once): as a call
// the SDK makes of its own operations (internal), or as a call on the table
// of the caller's package.
func (a *analysis) record(e *callgraph.Edge, op string, internal bool) {
	caller := e.Caller.Func
	k := callSite{caller, e.Site.Pos(), op}
	if a.recorded[k] {
		return
	}
	a.recorded[k] = true
	c := Call{
		Op:     op,
		Caller: caller.String(),
		Pos:    relPos(a.cfg.Dir, a.fset.Position(e.Site.Pos())),
		Path:   a.pathTo(caller),
	}
	if pkg := pkgOf(caller); pkg != nil {
		c.Pkg = pkg.Path()
	}
	u := a.usage
	if internal {
		u.Internal = append(u.Internal, c)
		return
	}
	c.Table = a.cfg.Tables[c.Pkg]
	if c.Table == "" {
		u.Unmapped = append(u.Unmapped, c)
		return
	}
	if u.Calls[c.Table] == nil {
		u.Calls[c.Table] = map[string][]Call{}
	}
	u.Calls[c.Table][op] = append(u.Calls[c.Table][op], c)
}

// sortCalls puts every list of calls in file order.
func (u *Usage) sortCalls() {
	for _, calls := range u.Calls {
		for _, cs := range calls {
			sortCalls(cs)
		}
	}
	sortCalls(u.Unmapped)
	sortCalls(u.Internal)
}

// cost of following e in the search for paths.
func cost(e *callgraph.Edge) int {
	switch {
	case e.Site == nil: // reflection
		return 20
	case e.Site.Common().IsInvoke():
		return 3
	case e.Site.Common().StaticCallee() != nil:
		return 1
	default: // a function value
		return 20
	}
}

type item struct {
	fn   *ssa.Function
	dist int
}

type edgeQueue []item

func (q edgeQueue) Len() int           { return len(q) }
func (q edgeQueue) Less(i, j int) bool { return q[i].dist < q[j].dist }
func (q edgeQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *edgeQueue) Push(x any)        { *q = append(*q, x.(item)) }
func (q *edgeQueue) Pop() (x any)      { old := *q; x = old[len(old)-1]; *q = old[:len(old)-1]; return x }

func sortCalls(cs []Call) {
	slices.SortFunc(cs, func(a, b Call) int { return cmp.Or(strings.Compare(a.Pos, b.Pos), strings.Compare(a.Op, b.Op)) })
}

// operation returns the name of the client operation that f is, or "": a
// method of *<clientPkg>.Client shaped like an operation,
// func(ctx, *<Op>Input, ...func(*Options)) (*<Op>Output, error).
func operation(clientPkg string, f *ssa.Function) string {
	if f.Synthetic != "" || f.Signature.Recv() == nil {
		return ""
	}
	if o := f.Origin(); o != nil {
		f = o
	}
	obj := f.Object()
	if obj == nil || obj.Pkg() == nil || obj.Pkg().Path() != clientPkg || !obj.Exported() {
		return ""
	}
	ptr, ok := f.Signature.Recv().Type().(*types.Pointer)
	if !ok {
		return ""
	}
	named, ok := ptr.Elem().(*types.Named)
	if !ok || named.Obj().Name() != "Client" {
		return ""
	}
	params, results := f.Signature.Params(), f.Signature.Results()
	if params.Len() < 2 || results.Len() != 2 {
		return ""
	}
	name := obj.Name()
	if !isPtrTo(params.At(1).Type(), clientPkg, name+"Input") || !isPtrTo(results.At(0).Type(), clientPkg, name+"Output") {
		return ""
	}
	return name
}

func isPtrTo(t types.Type, pkg, name string) bool {
	p, ok := t.(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := p.Elem().(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// isPaginatorOrWaiter tells whether f is a method of the SDK's paginators
// or waiters (NewScanPaginator(...).NextPage calls Scan for its caller).
func isPaginatorOrWaiter(f *ssa.Function) bool {
	for f.Parent() != nil {
		f = f.Parent()
	}
	recv := f.Signature.Recv()
	if recv == nil {
		return false
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok {
		return false
	}
	name := n.Obj().Name()
	return strings.HasSuffix(name, "Paginator") || strings.HasSuffix(name, "Waiter")
}

// pkgOf is the package whose code f is: that of the function enclosing a
// closure, of the generic function an instance comes from. nil for
// synthetic wrappers that belong to no package.
func pkgOf(f *ssa.Function) *types.Package {
	for f.Parent() != nil {
		f = f.Parent()
	}
	if o := f.Origin(); o != nil {
		f = o
	}
	if f.Pkg != nil {
		return f.Pkg.Pkg
	}
	if obj := f.Object(); obj != nil {
		return obj.Pkg()
	}
	return nil
}

func relPos(dir string, p token.Position) string {
	if !p.IsValid() {
		return "?"
	}
	file := p.Filename
	if dir != "" {
		if abs, err := filepath.Abs(dir); err == nil {
			if r, err := filepath.Rel(abs, file); err == nil && !strings.HasPrefix(r, "..") {
				file = r
			}
		}
	}
	return fmt.Sprintf("%s:%d", filepath.ToSlash(file), p.Line)
}
