package dynlib_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/internal/dynlib"
)

// libc returns the C library's name on the platforms this test loads it.
func libc(t *testing.T) string {
	t.Helper()
	switch runtime.GOOS {
	case "linux":
		return "libc.so.6"
	case "darwin":
		return "/usr/lib/libSystem.B.dylib"
	}
	t.Skipf("no C library name known for %s", runtime.GOOS)
	return ""
}

func TestOpenBind(t *testing.T) {
	lib, err := dynlib.Open("libdynlib-missing.so.1", libc(t))
	if errors.Is(err, dynlib.ErrUnsupported) {
		t.Skipf("no run-time loading on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	if err != nil {
		t.Fatal(err)
	}
	if lib.Name != libc(t) {
		t.Errorf("Open chose %q, want the first that loads, %q", lib.Name, libc(t))
	}
	if !lib.Has("abs") || lib.Has("dynlib_no_such_symbol") {
		t.Errorf("Has(abs), Has(dynlib_no_such_symbol) = %v, %v; want true, false", lib.Has("abs"), lib.Has("dynlib_no_such_symbol"))
	}
	var abs func(int32) int32
	if err := lib.Bind([]any{&abs}, []string{"abs"}); err != nil {
		t.Fatal(err)
	}
	if got := abs(-7); got != 7 {
		t.Errorf("abs(-7) = %d, want 7", got)
	}
	var missing func()
	err = lib.Bind([]any{&missing}, []string{"dynlib_no_such_symbol"})
	if err == nil || !strings.Contains(err.Error(), "missing symbol dynlib_no_such_symbol") {
		t.Errorf("Bind(missing) = %v, want it to name the symbol", err)
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := dynlib.Open("libdynlib-missing.so.1", "libdynlib-missing.so.2")
	if err == nil {
		t.Fatal("Open of missing libraries succeeded")
	}
	if errors.Is(err, dynlib.ErrUnsupported) {
		t.Skipf("no run-time loading on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	for _, name := range []string{"libdynlib-missing.so.1", "libdynlib-missing.so.2"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("Open error %q does not name %s", err, name)
		}
	}
}
