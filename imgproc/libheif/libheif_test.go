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

func TestEncodeAVIF(t *testing.T) {
	lib := mustLoad(t)
	src, _, err := lib.Decode(read(t, "coffee.heic"))
	if err != nil {
		t.Fatal(err)
	}
	translucent := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range translucent.Pix {
		translucent.Pix[i] = byte(i * 7)
	}
	for _, tc := range []struct {
		name string
		img  image.Image
		icc  []byte
	}{
		{"opaque", src, nil},
		{"alpha", translucent, nil},
		{"with ICC", src, []byte("a fake colour profile, 40 bytes long...")},
	} {
		data, err := lib.EncodeAVIF(tc.img, 50, tc.icc)
		if err != nil {
			if strings.Contains(err.Error(), "AV1 encoder") {
				t.Skipf("this libheif has no AV1 encoder: %v", err)
			}
			t.Fatalf("%s: %v", tc.name, err)
		}
		back, icc, err := lib.Decode(data)
		if err != nil {
			t.Fatalf("%s: decode: %v", tc.name, err)
		}
		if back.Bounds().Size() != tc.img.Bounds().Size() {
			t.Errorf("%s: %v back, want %v", tc.name, back.Bounds().Size(), tc.img.Bounds().Size())
		}
		_, isNRGBA := back.(*image.NRGBA)
		_, hadAlpha := tc.img.(*image.NRGBA)
		if isNRGBA != hadAlpha {
			t.Errorf("%s: decoded as %T", tc.name, back)
		}
		if string(icc) != string(tc.icc) {
			t.Errorf("%s: ICC %q back, want %q", tc.name, icc, tc.icc)
		}
	}
}
