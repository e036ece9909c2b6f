// Package dynlib opens shared C libraries at run time and binds their
// functions to Go function variables, without cgo, so that a program that
// uses an optional native codec still builds with CGO_ENABLED=0 and installs
// with a plain go install.
//
// It is a thin layer over github.com/ebitengine/purego (dlopen and dlsym on
// linux and macOS) and the Windows loader, for amd64 and arm64, purego's
// first-tier platforms. Elsewhere [Open] returns an error wrapping
// [ErrUnsupported], and callers fall back to their portable code.
//
// A library, once opened, stays loaded until the process exits. Handles and
// bound functions are safe for concurrent use as far as the C functions
// themselves are.
package dynlib
