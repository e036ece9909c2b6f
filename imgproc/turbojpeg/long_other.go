//go:build !windows

package turbojpeg

// culong is C's unsigned long: as wide as a pointer on unix (LP64 or ILP32).
type culong = uint
