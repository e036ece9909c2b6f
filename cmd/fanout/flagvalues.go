package main

import (
	"flag"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"
)

// durationValue is a time.Duration flag whose parse errors say what is
// wrong ("missing unit in duration", not the flag package's "parse error").
type durationValue time.Duration

func durationFlag(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var((*durationValue)(p), name, usage)
}

func (d *durationValue) String() string { return time.Duration(*d).String() }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			return fmt.Errorf("%q needs a unit, for example %ss or %sm", s, s, s)
		}
		return fmt.Errorf("%q is not a duration (for example 30s, 2m, 1h30m)", s)
	}
	*d = durationValue(v)
	return nil
}

// countValue is an int64 flag that takes a suffix: k, M, G (and T) for
// thousands, millions, billions of a count (--max-pixels 50M), or, with
// binary set, for KiB, MiB, GiB of a byte size (--memory-limit 1G); "Ki",
// "Mi", "Gi" are binary and "kB", "MB", "GB" decimal either way.
type countValue struct {
	p      *int64
	binary bool
}

func countFlag(fs *flag.FlagSet, p *int64, name string, value int64, binary bool, usage string) {
	*p = value
	fs.Var(&countValue{p: p, binary: binary}, name, usage)
}

func (c *countValue) String() string {
	if c.p == nil {
		return "0"
	}
	return strconv.FormatInt(*c.p, 10)
}

func (c *countValue) Set(s string) error {
	v, err := parseCount(s, c.binary)
	if err != nil {
		return err
	}
	*c.p = v
	return nil
}

// parseCount parses a count with an optional suffix, as countValue
// describes.
func parseCount(s string, binary bool) (int64, error) {
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range []struct {
		suffix string
		dec    float64
		bin    float64
	}{
		{"KiB", 1 << 10, 1 << 10}, {"MiB", 1 << 20, 1 << 20}, {"GiB", 1 << 30, 1 << 30}, {"TiB", 1 << 40, 1 << 40},
		{"Ki", 1 << 10, 1 << 10}, {"Mi", 1 << 20, 1 << 20}, {"Gi", 1 << 30, 1 << 30}, {"Ti", 1 << 40, 1 << 40},
		{"kB", 1e3, 1e3}, {"KB", 1e3, 1e3}, {"MB", 1e6, 1e6}, {"GB", 1e9, 1e9}, {"TB", 1e12, 1e12},
		{"k", 1e3, 1 << 10}, {"K", 1e3, 1 << 10}, {"M", 1e6, 1 << 20}, {"G", 1e9, 1 << 30}, {"T", 1e12, 1 << 40},
	} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = rest, u.dec
			if binary {
				mult = u.bin
			}
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%q is not a count (for example 50000000, 50M or 1G)", s)
	}
	n := v * mult
	if n > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(math.Round(n)), nil
}

// parseColour reads a colour: white, black, or #rrggbb (the # optional).
func parseColour(s string) (*color.NRGBA, error) {
	switch strings.ToLower(s) {
	case "white":
		return &color.NRGBA{255, 255, 255, 255}, nil
	case "black":
		return &color.NRGBA{0, 0, 0, 255}, nil
	}
	h := strings.TrimPrefix(s, "#")
	v, err := strconv.ParseUint(h, 16, 32)
	if len(h) != 6 || err != nil {
		return nil, fmt.Errorf("%q is not a colour (white, black or #rrggbb)", s)
	}
	return &color.NRGBA{byte(v >> 16), byte(v >> 8), byte(v), 255}, nil
}
