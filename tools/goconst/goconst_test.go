package goconst

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestStrings(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.go", "package p\ntype Reason string\ntype Other string\nconst (\n\tA Reason = \"a\"\n\tB Reason = `b`\n\tC Other = \"c\"\n)\nconst D Reason = \"d\"\n")
	got, err := Strings(good, "Reason")
	if err != nil || !slices.Equal(got, []string{"a", "b", "d"}) {
		t.Fatalf("Strings = %v, %v; want [a b d]", got, err)
	}
	t.Run("a constant that is not a literal is an error", func(t *testing.T) {
		p := write("expr.go", "package p\ntype Reason string\nconst A Reason = \"a\" + \"b\"\n")
		if _, err := Strings(p, "Reason"); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("a type without constants is an error", func(t *testing.T) {
		if _, err := Strings(good, "Missing"); err == nil {
			t.Fatal("no error")
		}
	})
}
