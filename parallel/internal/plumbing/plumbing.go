// Package plumbing carries the functions that package parallel implements
// for backend authors from parallel to package backend, which exports them.
//
// parallel needs them itself (a chunk of tasks carries its members' errors
// in the wire form) but must not export them beside its users' API, and
// backend, which imports parallel, must not copy them. parallel fills these
// variables in its own initialization, before any importer of backend runs;
// nothing else writes them.
package plumbing

import "context"

var (
	// Invoke runs a named task of a *parallel.Registry (passed as any) on
	// encoded input.
	Invoke func(ctx context.Context, registry any, name string, input []byte) ([]byte, error)

	// MarshalError and UnmarshalError are the wire form of a task's error.
	MarshalError   func(error) []byte
	UnmarshalError func([]byte) error

	// ChunkOf reports whether a name given to Backend.Run is a chunk of
	// a task, and which.
	ChunkOf func(name string) (task string, ok bool)
)
