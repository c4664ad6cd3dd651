// Package goconst reads the string constants of a named type from a Go
// source file, for tests that keep a list elsewhere (the README's tables,
// the metrics' dimension values) equal to what the code declares. It is
// test tooling: no Lambda imports it.
package goconst

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
)

// Strings returns the values of the constants of type typ declared in file,
// in their order. Every such constant must be a string literal, and there
// must be at least one: a list compared with nothing proves nothing.
func Strings(file, typ string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != typ {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return nil, fmt.Errorf("%s: a %s constant that is not a string literal", file, typ)
				}
				s, _ := strconv.Unquote(lit.Value)
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s declares no constant of type %s", file, typ)
	}
	return out, nil
}
