package libheif_test

import (
	"image"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc/libheif"
)

func mustLoad(t *testing.T) *libheif.Lib {
	t.Helper()
	lib, err := libheif.Load()
	if err != nil {
		t.Skipf("libheif not loadable (install libheif1): %v", err)
	}
	return lib
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "imgproc", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecode(t *testing.T) {
	lib := mustLoad(t)
	if s := lib.String(); !regexp.MustCompile(`^libheif \d+\.\d+\.\d+ \(.+\)$`).MatchString(s) {
		t.Errorf("String() = %q", s)
	}
	for _, tc := range []struct {
		file  string
		w, h  int
		alpha bool
	}{
		{"coffee.heic", 300, 198, false},
		{"coffee.avif", 300, 198, false},
		{"with-alpha.avif", 0, 0, true},
	} {
		data := read(t, tc.file)
		cfg, err := lib.DecodeConfig(data)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		img, _, err := lib.Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height || tc.w > 0 && (b.Dx() != tc.w || b.Dy() != tc.h) {
			t.Errorf("%s: decoded %v, config %+v, want %dx%d", tc.file, b, cfg, tc.w, tc.h)
		}
		_, isNRGBA := img.(*image.NRGBA)
		if cfg.Alpha != tc.alpha || isNRGBA != tc.alpha {
			t.Errorf("%s: alpha %v, %T; want alpha %v", tc.file, cfg.Alpha, img, tc.alpha)
		}
	}
}

func TestDecodeBad(t *testing.T) {
	lib := mustLoad(t)
	data := read(t, "coffee.heic")
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated", data[:len(data)/2]},
		{"not heif", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00garbage-garbage")},
	} {
		if _, _, err := lib.Decode(tc.data); err == nil || !strings.HasPrefix(err.Error(), "libheif: ") {
			t.Errorf("%s: Decode error %v, want a libheif error", tc.name, err)
		}
	}
}
