package iamusage

import (
	"reflect"
	"strings"
	"sync"
	"testing"
)

// The module in testdata/app has a stand-in SDK client and two mains; see
// the comments of its files for what each call exercises.
var (
	fixtureOnce  sync.Once
	fixtureUsage map[string]*Usage
	fixtureErr   error
)

func fixture(t *testing.T) map[string]*Usage {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureUsage, fixtureErr = Analyze(Config{
			Dir:       "testdata/app",
			Patterns:  []string{"./cmd/..."},
			ClientPkg: "example.com/app/sdk/dynamodb",
			Tables: map[string]string{
				"example.com/app/store/a": "TableA",
				"example.com/app/store/b": "TableB",
			},
		})
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureUsage
}

func ops(u *Usage) map[string][]string {
	out := map[string][]string{}
	for _, tbl := range u.Tables() {
		out[tbl] = u.Ops(tbl)
	}
	return out
}

func callOps(cs []Call) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Op+" from "+c.Pkg)
	}
	return out
}

func TestAnalyzeAttributesCallsToTables(t *testing.T) {
	us := fixture(t)
	if len(us) != 2 || us["one"] == nil || us["two"] == nil {
		t.Fatalf("functions %v, want one and two", us)
	}
	one, two := us["one"], us["two"]

	// Closures count for their package; the paginator's Scan and the bound
	// method value's UpdateItem count for the store that uses them;
	// Delete is reachable only by reflection and Options is no operation.
	if got, want := ops(one), map[string][]string{"TableA": {"GetItem", "PutItem"}, "TableB": {"Scan", "UpdateItem"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("one uses %v, want %v", got, want)
	}
	if len(one.Unmapped) != 0 {
		t.Errorf("one: unmapped %v", one.Unmapped)
	}
	// The SDK's own call of DescribeEndpoints is internal, not a table's.
	if got := callOps(one.Internal); !reflect.DeepEqual(got, []string{"DescribeEndpoints from example.com/app/sdk/dynamodb"}) {
		t.Errorf("one: internal %v", got)
	}

	if got, want := ops(two), map[string][]string{"TableA": {"GetItem"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("two uses %v, want %v", got, want)
	}
	if got := callOps(two.Unmapped); !reflect.DeepEqual(got, []string{"PutItem from example.com/app/rogue"}) {
		t.Errorf("two: unmapped %v", got)
	}
}

func TestAnalyzeRecordsWhereAndHow(t *testing.T) {
	one := fixture(t)["one"]
	scan := one.Calls["TableB"]["Scan"]
	if len(scan) != 1 {
		t.Fatalf("Scan calls %v", scan)
	}
	c := scan[0]
	if c.Pos != "store/b/b.go:18" || !strings.Contains(c.Caller, "(*example.com/app/store/b.Store).All") {
		t.Errorf("Scan attributed to %s in %s, want the call of NextPage in (*Store).All, store/b/b.go:18", c.Pos, c.Caller)
	}
	if len(c.Path) < 2 || c.Path[0] != "example.com/app/cmd/one.main" || c.Path[len(c.Path)-1] != c.Caller {
		t.Errorf("path %v: want main ... %s", c.Path, c.Caller)
	}
	get := one.Calls["TableA"]["GetItem"]
	if len(get) != 1 || !strings.HasSuffix(get[0].Caller, "(*example.com/app/store/a.Store).Get$1") || get[0].Pkg != "example.com/app/store/a" {
		t.Errorf("GetItem %+v: want the closure in (*Store).Get, of package a", get)
	}
}
