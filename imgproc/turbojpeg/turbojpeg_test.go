package turbojpeg_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc/turbojpeg"
)

// testdataDir holds the package's fixtures; sharedDir is the project's full
// corpus, used when present.
const (
	testdataDir = "../../testdata/turbojpeg"
	sharedDir   = "../../../shared/testdata"
)

// mustLoad returns the library or skips the test: the package's tests need
// libturbojpeg (Debian: libturbojpeg0), which CI installs.
func mustLoad(tb testing.TB) *turbojpeg.Lib {
	tb.Helper()
	l, err := turbojpeg.Load()
	if err != nil {
		tb.Skipf("libjpeg-turbo is not installed (Debian: apt-get install libturbojpeg0): %v", err)
	}
	return l
}

func readOptional(path string) ([]byte, error) { return os.ReadFile(path) }

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestLoad(t *testing.T) {
	l := mustLoad(t)
	l2, err := turbojpeg.Load()
	if err != nil || l2 != l {
		t.Fatalf("second Load() = %p, %v; want the first Lib %p", l2, err, l)
	}
	if s := l.String(); !strings.HasPrefix(s, "libjpeg-turbo (") || !strings.Contains(s, "turbojpeg") {
		t.Errorf("String() = %q, want libjpeg-turbo (<file>...)", s)
	}
}

// TestOpenWrongLibrary opens a shared library that is not libjpeg-turbo:
// the error must name the missing function.
func TestOpenWrongLibrary(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses libc.so.6")
	}
	mustLoad(t) // run-time loading works here
	_, err := turbojpeg.Open("libc.so.6")
	if err == nil || !strings.Contains(err.Error(), "libc.so.6: missing symbol tjInitDecompress") {
		t.Errorf("Open(libc.so.6) error = %v, want it to name the missing symbol", err)
	}
}

func TestOpenMissing(t *testing.T) {
	const name = "libturbojpeg-missing.so.9"
	_, err := turbojpeg.Open(name)
	if err == nil {
		t.Fatalf("Open(%q) succeeded", name)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "turbojpeg: load libjpeg-turbo: ") || !strings.Contains(msg, name) {
		t.Errorf("Open(%q) error = %q, want it to name the file tried", name, msg)
	}
}

// jpegFiles lists the fixtures, plus every JPEG of the shared corpus unless
// -short or -race.
func jpegFiles(t *testing.T) []string {
	files, _ := filepath.Glob(filepath.Join(testdataDir, "*.jpg"))
	if raceEnabled {
		t.Log("race detector on: testing the package's fixtures only")
	}
	if !testing.Short() && !raceEnabled {
		if _, err := os.Stat(sharedDir); err != nil {
			t.Logf("shared corpus absent (%v): testing the package's fixtures only", err)
		}
		for _, dir := range []string{"photos", "edge"} {
			for _, pat := range []string{"*.jpg", "*.jpeg"} {
				m, _ := filepath.Glob(filepath.Join(sharedDir, dir, pat))
				files = append(files, m...)
			}
		}
	}
	var out []string
	for _, f := range files {
		switch filepath.Base(f) {
		case "truncated.jpg", "corrupt-header.jpg", "giant-image.jpg":
			continue // bad input: TestBadInput
		}
		out = append(out, f)
	}
	return out
}

// planeDiff returns the mean and maximum absolute difference between two
// w x h sample grids.
func planeDiff(a []byte, aStride int, b []byte, bStride int, w, h int) (mean float64, maxd int) {
	var sum int
	for y := range h {
		ra, rb := a[y*aStride:y*aStride+w], b[y*bStride:y*bStride+w]
		for x := range w {
			d := int(ra[x]) - int(rb[x])
			d = max(d, -d)
			sum += d
			maxd = max(maxd, d)
		}
	}
	return float64(sum) / float64(w*h), maxd
}

// TestDecodeMatchesImageJPEG decodes every real photo with both codecs. The
// two use different integer IDCTs, so samples differ by a level or two; the
// types, bounds and subsampling must agree exactly.
func TestDecodeMatchesImageJPEG(t *testing.T) {
	l := mustLoad(t)
	for _, file := range jpegFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data := mustRead(t, file)
			want, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("image/jpeg: %v", err)
			}
			got, err := l.Decode(data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Bounds() != want.Bounds() {
				t.Fatalf("Decode bounds = %v, want %v", got.Bounds(), want.Bounds())
			}
			if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) {
				t.Fatalf("Decode type = %T, want %T", got, want)
			}
			b := want.Bounds()
			type grid struct {
				name   string
				a      []byte
				aS     int
				b      []byte
				bS     int
				w, h   int
				mean   float64
				maxAbs int
			}
			var grids []grid
			switch w := want.(type) {
			case *image.YCbCr:
				g := got.(*image.YCbCr)
				if g.SubsampleRatio != w.SubsampleRatio {
					t.Fatalf("Decode ratio = %v, want %v", g.SubsampleRatio, w.SubsampleRatio)
				}
				cw, ch := w.COffset(b.Max.X-1, b.Max.Y-1)%w.CStride+1, w.COffset(b.Max.X-1, b.Max.Y-1)/w.CStride+1
				grids = append(grids,
					grid{name: "Y", a: g.Y, aS: g.YStride, b: w.Y, bS: w.YStride, w: b.Dx(), h: b.Dy(), mean: 0.1, maxAbs: 2},
					grid{name: "Cb", a: g.Cb, aS: g.CStride, b: w.Cb, bS: w.CStride, w: cw, h: ch, mean: 0.1, maxAbs: 2},
					grid{name: "Cr", a: g.Cr, aS: g.CStride, b: w.Cr, bS: w.CStride, w: cw, h: ch, mean: 0.1, maxAbs: 2})
			case *image.Gray:
				g := got.(*image.Gray)
				grids = append(grids, grid{name: "gray", a: g.Pix, aS: g.Stride, b: w.Pix, bS: w.Stride, w: b.Dx(), h: b.Dy(), mean: 0.1, maxAbs: 2})
			case *image.CMYK:
				// image/jpeg converts YCCK to CMY with its own rounding
				// and without libjpeg's range limiting.
				g := got.(*image.CMYK)
				grids = append(grids, grid{name: "cmyk", a: g.Pix, aS: g.Stride, b: w.Pix, bS: w.Stride, w: 4 * b.Dx(), h: b.Dy(), mean: 0.5, maxAbs: 8})
			default:
				t.Fatalf("unexpected type %T", want)
			}
			for _, g := range grids {
				mean, maxd := planeDiff(g.a, g.aS, g.b, g.bS, g.w, g.h)
				t.Logf("%s: mean |diff| %.3f, max %d", g.name, mean, maxd)
				if mean > g.mean || maxd > g.maxAbs {
					t.Errorf("%s plane differs from image/jpeg: mean |diff| %.3f (limit %.1f), max %d (limit %d)", g.name, mean, g.mean, maxd, g.maxAbs)
				}
			}
		})
	}
}
