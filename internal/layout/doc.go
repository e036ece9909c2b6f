// Package layout holds the tests that guard the repository's shape: which
// packages may depend on what, and that every package has exactly one
// package comment. It has no code of its own.
package layout
