package modus_test

import (
	"go/types"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

const (
	moduleRoot = "github.com/modus-data/modus-sdk-go/"
	modusPath  = moduleRoot + "modus"
)

// TestEveryReachableTypeHasAModusName walks modus's exported API (exported
// names, their fields, methods, parameters and results, and the fields and
// methods of every type they lead to) and fails for each named type from
// another module package (gen, nullable, runtime types) that a user would
// meet without a modus name for it: every such type must have a modus alias,
// so that `go doc modus` documents it and no program needs to import gen.
func TestEveryReachableTypeHasAModusName(t *testing.T) {
	missing := unnamedReachableTypes(loadModus(t))
	for _, m := range missing {
		t.Errorf("%s is reachable from modus's API (%s) without a modus name", m.name, m.via)
	}
	if len(missing) > 0 {
		t.Logf("%d types without a modus name", len(missing))
	}
}

// loadModus type-checks package modus from source (skipped with -short).
func loadModus(t *testing.T) *types.Package {
	t.Helper()
	if testing.Short() {
		t.Skip("loads packages from source")
	}
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedTypes | packages.NeedName | packages.NeedDeps | packages.NeedImports}, modusPath)
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("modus does not load")
	}
	return pkgs[0].Types
}

type unnamed struct{ name, via string }

// unnamedReachableTypes returns the foreign named types reachable from pkg's
// exported API that no exported alias in pkg names.
func unnamedReachableTypes(pkg *types.Package) []unnamed {
	scope := pkg.Scope()
	named := map[*types.TypeName]bool{} // foreign types a modus alias names
	for _, n := range scope.Names() {
		if tn, ok := scope.Lookup(n).(*types.TypeName); ok && tn.Exported() {
			if nt, ok := types.Unalias(tn.Type()).(*types.Named); ok {
				named[nt.Origin().Obj()] = true
			}
		}
	}
	w := walker{pkg: pkg, seen: map[types.Type]bool{}, found: map[*types.TypeName]string{}}
	for _, n := range scope.Names() {
		obj := scope.Lookup(n)
		if !obj.Exported() {
			continue
		}
		w.walk(obj.Type(), "modus."+n)
	}
	var out []unnamed
	for tn, via := range w.found {
		if !named[tn] {
			out = append(out, unnamed{tn.Pkg().Name() + "." + tn.Name(), via})
		}
	}
	slices.SortFunc(out, func(a, b unnamed) int { return strings.Compare(a.name, b.name) })
	return out
}

type walker struct {
	pkg   *types.Package
	seen  map[types.Type]bool
	found map[*types.TypeName]string // foreign named type -> first path to it
}

func (w *walker) walk(t types.Type, via string) {
	if t == nil || w.seen[t] {
		return
	}
	w.seen[t] = true
	switch t := t.(type) {
	case *types.Alias:
		w.walk(types.Unalias(t), via)
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() == nil || !strings.Contains(obj.Pkg().Path(), ".") {
			return // predeclared or standard library
		}
		if obj.Pkg() != w.pkg {
			if _, ok := w.found[t.Origin().Obj()]; !ok {
				w.found[t.Origin().Obj()] = via
			}
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			w.walk(t.TypeArgs().At(i), via)
		}
		if !strings.HasPrefix(obj.Pkg().Path(), moduleRoot) {
			return // a third-party type (uuid.UUID): its own API is its package's
		}
		for i := 0; i < t.NumMethods(); i++ {
			m := t.Method(i)
			if m.Exported() {
				w.walk(m.Type(), via+"."+m.Name()+"()")
			}
		}
		w.walk(t.Underlying(), via)
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			if f := t.Field(i); f.Exported() {
				w.walk(f.Type(), via+"."+f.Name())
			}
		}
	case *types.Pointer:
		w.walk(t.Elem(), via)
	case *types.Slice:
		w.walk(t.Elem(), via)
	case *types.Array:
		w.walk(t.Elem(), via)
	case *types.Map:
		w.walk(t.Key(), via)
		w.walk(t.Elem(), via)
	case *types.Chan:
		w.walk(t.Elem(), via)
	case *types.Signature:
		for i := 0; i < t.Params().Len(); i++ {
			w.walk(t.Params().At(i).Type(), via)
		}
		for i := 0; i < t.Results().Len(); i++ {
			w.walk(t.Results().At(i).Type(), via)
		}
	case *types.Interface:
		for i := 0; i < t.NumMethods(); i++ {
			if m := t.Method(i); m.Exported() {
				w.walk(m.Type(), via+"."+m.Name()+"()")
			}
		}
	}
}

// TestEveryEnumValueHasAModusConstant fails for each value of an enum type
// that modus names by an alias (its gen constants) without a modus constant
// of that value, so that `go doc modus` lists every known value by a name a
// program can use without importing gen.
func TestEveryEnumValueHasAModusConstant(t *testing.T) {
	modus := loadModus(t)
	type key struct {
		typ   *types.TypeName
		value string
	}
	named := map[key]bool{} // values modus has a constant for
	for _, name := range modus.Scope().Names() {
		if c, ok := modus.Scope().Lookup(name).(*types.Const); ok && c.Exported() {
			if n, ok := types.Unalias(c.Type()).(*types.Named); ok {
				named[key{n.Obj(), c.Val().ExactString()}] = true
			}
		}
	}
	checked := 0
	for _, name := range modus.Scope().Names() {
		alias, ok := modus.Scope().Lookup(name).(*types.TypeName)
		if !ok || !alias.IsAlias() || !alias.Exported() {
			continue
		}
		n, ok := types.Unalias(alias.Type()).(*types.Named)
		if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != moduleRoot+"gen" {
			continue
		}
		gen := n.Obj().Pkg().Scope()
		for _, gname := range gen.Names() {
			c, ok := gen.Lookup(gname).(*types.Const)
			if !ok || !types.Identical(c.Type(), n) {
				continue
			}
			checked++
			if !named[key{n.Obj(), c.Val().ExactString()}] {
				t.Errorf("modus.%s has no modus constant for %s (gen.%s)", name, c.Val().ExactString(), gname)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no enum value found: the test no longer sees gen's constants")
	}
}
