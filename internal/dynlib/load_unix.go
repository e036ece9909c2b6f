//go:build ((linux && !android) || (darwin && !ios)) && (amd64 || arm64)

package dynlib

import "github.com/ebitengine/purego"

func open(name string) (uintptr, error) {
	return purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
}

func lookup(h uintptr, name string) (uintptr, error) { return purego.Dlsym(h, name) }

func register(fn any, addr uintptr) { purego.RegisterFunc(fn, addr) }
