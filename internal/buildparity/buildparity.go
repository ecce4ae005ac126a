package buildparity

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/printer"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Check fails t unless the non-test Go files of dir whose build constraint
// is exactly tag declare the same exported API as those whose constraint
// is exactly other (for example "cgo" and "!cgo"). Files without either
// constraint are shared and not compared. extra names declarations only
// the other build has ("var ErrNoCodec": the stand-in's own error).
func Check(t testing.TB, dir, tag, other string, extra ...string) {
	t.Helper()
	a, err := exported(dir, tag)
	if err != nil {
		t.Fatal(err)
	}
	b, err := exported(dir, other)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range extra {
		if _, ok := b[name]; !ok {
			t.Errorf("%s: %s is not declared by the %q files", dir, name, other)
		}
		delete(b, name)
	}
	if len(a) == 0 {
		t.Fatalf("no exported declarations in the %q files of %s: the check sees nothing", tag, dir)
	}
	for _, name := range slices.Sorted(maps.Keys(a)) {
		switch got, ok := b[name]; {
		case !ok:
			t.Errorf("%s: %s is declared by the %q files but not by the %q files:\n\t%s", dir, name, tag, other, a[name])
		case got != a[name]:
			t.Errorf("%s: %s differs between builds:\n\t%s: %s\n\t%s: %s", dir, name, tag, a[name], other, got)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[name]; !ok {
			t.Errorf("%s: %s is declared by the %q files but not by the %q files:\n\t%s", dir, name, other, tag, b[name])
		}
	}
}

// exported maps each exported declaration of the files of dir constrained
// by exactly tag to its shape: a signature, a type's exported fields.
func exported(dir, tag string) (map[string]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	out := map[string]string{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", name, err)
		}
		if buildTag(f) != tag {
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				key := d.Name.Name
				if d.Recv != nil {
					key = node(fset, d.Recv.List[0].Type) + "." + key
				}
				out[key] = node(fset, d.Type)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							out["type "+s.Name.Name] = typeShape(fset, s)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								out[d.Tok.String()+" "+n.Name] = d.Tok.String()
							}
						}
					}
				}
			}
		}
	}
	return out, nil
}

// typeShape is a type's exported surface: a struct's exported fields and
// their types, else the type itself.
func typeShape(fset *token.FileSet, s *ast.TypeSpec) string {
	st, ok := s.Type.(*ast.StructType)
	if !ok {
		return node(fset, s.Type)
	}
	var fields []string
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.IsExported() {
				fields = append(fields, n.Name+" "+node(fset, f.Type))
			}
		}
	}
	return "struct{" + strings.Join(fields, "; ") + "}"
}

// buildTag is the file's //go:build expression, "" without one.
func buildTag(f *ast.File) string {
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			if constraint.IsGoBuild(c.Text) {
				if e, err := constraint.Parse(c.Text); err == nil {
					return e.String()
				}
			}
		}
	}
	return ""
}

func node(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	printer.Fprint(&b, fset, n)
	return b.String()
}
