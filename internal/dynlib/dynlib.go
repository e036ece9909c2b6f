package dynlib

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnsupported is wrapped by the errors of [Open] on platforms where
// libraries cannot be loaded at run time.
var ErrUnsupported = errors.New("dynlib: loading libraries at run time is not supported on this platform")

// Library is an opened shared library.
type Library struct {
	// Name is the file name it was opened under.
	Name string
	h    uintptr
}

// Open opens the first of names (file names searched as the platform's
// dynamic loader searches them, or paths) that loads. Its error says, for
// every file tried, why it failed (the loader's message names the file),
// and wraps ErrUnsupported on platforms without run-time loading.
func Open(names ...string) (*Library, error) {
	var reasons []string
	for _, name := range names {
		h, err := open(name)
		if err == nil {
			return &Library{Name: name, h: h}, nil
		}
		if errors.Is(err, ErrUnsupported) {
			return nil, err
		}
		reasons = append(reasons, err.Error())
	}
	if len(reasons) == 0 {
		return nil, errors.New("dynlib: no library name given")
	}
	return nil, errors.New(strings.Join(reasons, "; "))
}

// Has reports whether the library exports the symbol.
func (l *Library) Has(symbol string) bool {
	_, err := lookup(l.h, symbol)
	return err == nil
}

// Bind sets each function variable fns[i] (a pointer to a variable of a
// func type) to call the library's symbols[i], or returns an error naming
// the first missing symbol.
func (l *Library) Bind(fns []any, symbols []string) error {
	if len(fns) != len(symbols) {
		panic("dynlib: Bind needs one symbol per function")
	}
	addrs := make([]uintptr, len(symbols))
	for i, name := range symbols {
		addr, err := lookup(l.h, name)
		if err != nil {
			return fmt.Errorf("missing symbol %s: %w", name, err)
		}
		addrs[i] = addr
	}
	for i, fn := range fns {
		register(fn, addrs[i])
	}
	return nil
}
