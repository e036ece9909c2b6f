package layout

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Deps       []string
}

// listPackages runs go list over the module and returns its packages.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json", "github.com/fanout-dev/fanout/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// TestDeps checks that imports point inward: the core packages never reach
// NATS (only parallel/natsjs may), imgproc and download know nothing
// of the executor, and only store reaches the object stores' SDKs.
func TestDeps(t *testing.T) {
	forbidden := map[string][]string{
		"github.com/fanout-dev/fanout/parallel":         {"github.com/nats-io/", "github.com/fanout-dev/fanout/imgproc", "github.com/fanout-dev/fanout/download"},
		"github.com/fanout-dev/fanout/imgproc":          {"github.com/nats-io/", "github.com/fanout-dev/fanout/parallel", "github.com/fanout-dev/fanout/download"},
		"github.com/fanout-dev/fanout/download":         {"github.com/nats-io/", "github.com/fanout-dev/fanout/parallel", "github.com/fanout-dev/fanout/imgproc", "gocloud.dev/", "github.com/fanout-dev/fanout/store"},
		"github.com/fanout-dev/fanout/store":            {"github.com/nats-io/", "github.com/fanout-dev/fanout/parallel", "github.com/fanout-dev/fanout/imgproc", "github.com/fanout-dev/fanout/download", "github.com/fanout-dev/fanout/batch"},
		"github.com/fanout-dev/fanout/report":           {"github.com/nats-io/", "github.com/fanout-dev/fanout/parallel"},
		"github.com/fanout-dev/fanout/parallel/proc":    {"github.com/nats-io/"},
		"github.com/fanout-dev/fanout/parallel/backend": {"github.com/nats-io/", "github.com/fanout-dev/fanout/parallel/proc", "github.com/fanout-dev/fanout/imgproc"},
	}
	for path, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", path).Output()
		if err != nil {
			t.Errorf("go list -deps %s: %v", path, err)
			continue
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range bad {
				if dep != path && strings.HasPrefix(dep, b) {
					t.Errorf("%s depends on %s", path, dep)
				}
			}
		}
	}
}

// TestPackageDoc checks that every package has exactly one package comment.
func TestPackageDoc(t *testing.T) {
	for _, p := range listPackages(t) {
		var with []string
		fset := token.NewFileSet()
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatalf("parse %s: %v", name, err)
			}
			if f.Doc != nil {
				with = append(with, name)
			}
		}
		if len(with) != 1 {
			t.Errorf("%s: package comment in %d files %v, want exactly 1", p.ImportPath, len(with), with)
		}
	}
}
