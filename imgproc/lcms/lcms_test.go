package lcms_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/fanout-dev/fanout/imgproc/lcms"
)

func mustLoad(t testing.TB) *lcms.Lib {
	t.Helper()
	lib, err := lcms.Load()
	if err != nil {
		t.Skipf("LittleCMS not loadable (install liblcms2-2): %v", err)
	}
	return lib
}

func readICC(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "imgproc", "icc", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestLoad(t *testing.T) {
	lib := mustLoad(t)
	if s := lib.String(); !regexp.MustCompile(`^LittleCMS 2\.\d+(\.\d+)? \(.+\)$`).MatchString(s) {
		t.Errorf("String() = %q, want LittleCMS 2.N (file)", s)
	}
	if v := lib.Version(); v < 2080 || v >= 3000 {
		t.Errorf("Version() = %d, want 2.8 or later", v)
	}
	if again, _ := lcms.Load(); again != lib {
		t.Error("Load twice gave two Libs, want the cached one")
	}
}

// matrixProfiles are the test profiles the pure-Go path applies.
var matrixProfiles = []string{
	"display-p3-v4.icc", "adobe-rgb-compatible.icc", "prophoto-v4.icc", "rec2020-para-v4.icc",
	"black-offset-v4.icc", "lstar-rgb.icc", "srgb-v2-tables.icc", "srgb-lcms-v4.icc",
}

// everyColour holds every 8-bit RGB colour (every 8th one under the race
// detector), alpha varying.
var everyColour = sync.OnceValue(func() lcms.Pixels {
	step := 1
	if raceEnabled {
		step = 8
	}
	n := (1 << 24) / step
	p := lcms.Pixels{Pix: make([]byte, 4*n), Stride: 4 * 4096, Format: lcms.RGBA8}
	for i := range n {
		c := i * step
		p.Pix[4*i], p.Pix[4*i+1], p.Pix[4*i+2], p.Pix[4*i+3] = byte(c>>16), byte(c>>8), byte(c), byte(c*7)
	}
	return p
})

func diff8(a, b []byte, skipAlpha bool) (maxd, n int) {
	for i := range a {
		if skipAlpha && i%4 == 3 {
			continue
		}
		d := int(a[i]) - int(b[i])
		if d != 0 {
			n++
		}
		maxd = max(maxd, d, -d)
	}
	return maxd, n
}

// TestPortableMatchesLCMS converts every 8-bit colour with each matrix/TRC
// test profile and both intents through LittleCMS and through the pure-Go
// path: the results must agree within one level. On x86-64 they agree
// exactly except where LittleCMS resamples into a grid (black point
// compensation of a lifted black): 30 samples of 50 million.
func TestPortableMatchesLCMS(t *testing.T) {
	lib := mustLoad(t)
	src := everyColour()
	w, h := 4096, len(src.Pix)/(4*4096)
	for _, name := range matrixProfiles {
		icc := readICC(t, name)
		for _, intent := range []lcms.Intent{lcms.Perceptual, lcms.RelativeColorimetric} {
			a := lcms.Pixels{Pix: make([]byte, len(src.Pix)), Stride: src.Stride, Format: lcms.RGBA8}
			b := lcms.Pixels{Pix: make([]byte, len(src.Pix)), Stride: src.Stride, Format: lcms.RGBA8}
			if err := lib.ToSRGB(a, src, w, h, icc, intent); err != nil {
				t.Fatal(err)
			}
			if err := lcms.Portable(b, src, w, h, icc, intent); err != nil {
				t.Fatal(err)
			}
			d, n := diff8(a.Pix, b.Pix, false)
			if d > 1 {
				t.Errorf("%s, %v: %d samples differ, by up to %d; want at most 1", name, intent, n, d)
			} else {
				t.Logf("%s, %v: %d of %d samples differ, by up to %d", name, intent, n, 3*w*h, d)
			}
			for i := 3; i < len(a.Pix); i += 4 {
				if a.Pix[i] != src.Pix[i] || b.Pix[i] != src.Pix[i] {
					t.Fatalf("%s: alpha of pixel %d changed", name, i/4)
				}
			}
		}
	}
}

// TestPortableMatchesLCMSGreyAnd16 compares the grey and 16-bit
// conversions: grey through LittleCMS's 33-point grid, within one level;
// 16-bit, which LittleCMS converts unoptimised, within one 16-bit level.
func TestPortableMatchesLCMSGreyAnd16(t *testing.T) {
	lib := mustLoad(t)
	for _, intent := range []lcms.Intent{lcms.Perceptual, lcms.RelativeColorimetric} {
		icc := readICC(t, "gray-gamma22-v2.icc")
		src := lcms.Pixels{Pix: make([]byte, 256), Stride: 256, Format: lcms.Gray8}
		for i := range src.Pix {
			src.Pix[i] = byte(i)
		}
		a := lcms.Pixels{Pix: make([]byte, 1024), Stride: 1024, Format: lcms.RGBA8}
		b := lcms.Pixels{Pix: make([]byte, 1024), Stride: 1024, Format: lcms.RGBA8}
		if err := lib.ToSRGB(a, src, 256, 1, icc, intent); err != nil {
			t.Fatal(err)
		}
		if err := lcms.Portable(b, src, 256, 1, icc, intent); err != nil {
			t.Fatal(err)
		}
		if d, n := diff8(a.Pix, b.Pix, true); d > 1 {
			t.Errorf("grey, %v: %d samples differ by up to %d, want at most 1", intent, n, d)
		} else {
			t.Logf("grey, %v: %d of 768 samples differ by %d", intent, n, d)
		}
		for i := 0; i < 1024; i += 4 {
			if a.Pix[i] != a.Pix[i+1] || a.Pix[i+1] != a.Pix[i+2] || a.Pix[i+3] != 0xff {
				t.Fatalf("grey level %d became %v, want neutral and opaque", i/4, a.Pix[i:i+4])
			}
		}
	}
	const n = 48
	src := lcms.Pixels{Pix: make([]byte, 8*n*n*n), Stride: 8 * n * n, Format: lcms.RGBA16}
	for i := range n * n * n {
		v := [3]int{i / (n * n), i / n % n, i % n}
		for c := range 3 {
			x := v[c] * 65535 / (n - 1)
			x = x * x / 65535 // more of the darks
			src.Pix[8*i+2*c], src.Pix[8*i+2*c+1] = byte(x>>8), byte(x)
		}
		src.Pix[8*i+6], src.Pix[8*i+7] = byte(i), byte(i>>8)
	}
	for _, name := range []string{"display-p3-v4.icc", "prophoto-v4.icc", "black-offset-v4.icc", "lstar-rgb.icc"} {
		icc := readICC(t, name)
		a := lcms.Pixels{Pix: make([]byte, len(src.Pix)), Stride: src.Stride, Format: lcms.RGBA16}
		b := lcms.Pixels{Pix: make([]byte, len(src.Pix)), Stride: src.Stride, Format: lcms.RGBA16}
		if err := lib.ToSRGB(a, src, n*n, n, icc, lcms.Perceptual); err != nil {
			t.Fatal(err)
		}
		if err := lcms.Portable(b, src, n*n, n, icc, lcms.Perceptual); err != nil {
			t.Fatal(err)
		}
		worst := 0
		for i := 0; i < len(a.Pix); i += 2 {
			d := int(a.Pix[i])<<8 | int(a.Pix[i+1]) - (int(b.Pix[i])<<8 | int(b.Pix[i+1]))
			worst = max(worst, d, -d)
		}
		if worst > 1 {
			t.Errorf("16-bit %s: up to %d 16-bit levels apart, want at most 1", name, worst)
		}
		for i := 6; i < len(a.Pix); i += 8 {
			if a.Pix[i] != src.Pix[i] || a.Pix[i+1] != src.Pix[i+1] || b.Pix[i] != src.Pix[i] {
				t.Fatalf("16-bit %s: alpha changed", name)
			}
		}
	}
}

// TestInPlace converts a buffer onto itself and onto another: same result.
func TestInPlace(t *testing.T) {
	icc := readICC(t, "display-p3-v4.icc")
	for _, portable := range []bool{false, true} {
		convert := lcms.Portable
		if !portable {
			lib, err := lcms.Load()
			if err != nil {
				continue
			}
			convert = lib.ToSRGB
		}
		src := lcms.Pixels{Pix: make([]byte, 4*100*3+16), Stride: 4*100 + 8, Format: lcms.RGBA8}
		for i := range src.Pix {
			src.Pix[i] = byte(i * 31)
		}
		out := lcms.Pixels{Pix: make([]byte, 4*100*3), Stride: 400, Format: lcms.RGBA8}
		if err := convert(out, src, 100, 3, icc, lcms.Perceptual); err != nil {
			t.Fatal(err)
		}
		if err := convert(src, src, 100, 3, icc, lcms.Perceptual); err != nil {
			t.Fatal(err)
		}
		for y := range 3 {
			if got, want := string(src.Pix[y*src.Stride:][:400]), string(out.Pix[y*400:][:400]); got != want {
				t.Errorf("portable %v: row %d converted in place differs", portable, y)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	p3 := readICC(t, "display-p3-v4.icc")
	rgba := func(n int) lcms.Pixels { return lcms.Pixels{Pix: make([]byte, 4*n), Stride: 4 * n, Format: lcms.RGBA8} }
	cmyk := lcms.Pixels{Pix: make([]byte, 16), Stride: 16, Format: lcms.CMYK8}
	type conv func(dst, src lcms.Pixels, w, h int, icc []byte, intent lcms.Intent) error
	convs := map[string]conv{"portable": lcms.Portable}
	if lib, err := lcms.Load(); err == nil {
		convs["LittleCMS"] = lib.ToSRGB
	}
	for name, convert := range convs {
		for _, tc := range []struct {
			name     string
			dst, src lcms.Pixels
			w        int
			icc      []byte
			is       error
			want     string
		}{
			{"garbage", rgba(4), rgba(4), 4, []byte(strings.Repeat("not a profile ", 20)), lcms.ErrProfile, "unusable colour profile"},
			{"empty", rgba(4), rgba(4), 4, nil, lcms.ErrProfile, "unusable colour profile"},
			{"grey profile, RGB pixels", rgba(4), rgba(4), 4, readICC(t, "gray-gamma22-v2.icc"), lcms.ErrProfile, "unusable colour profile"},
			{"RGB profile, CMYK pixels", rgba(4), cmyk, 4, p3, lcms.ErrProfile, "unusable colour profile"},
			{"wrong output format", lcms.Pixels{Pix: make([]byte, 64), Stride: 32, Format: lcms.RGBA16}, rgba(4), 4, p3, nil, "RGBA8 pixels convert to RGBA8, not RGBA16"},
			{"short buffer", rgba(3), rgba(4), 4, p3, nil, "too small"},
			{"empty rectangle", rgba(4), rgba(4), 0, p3, nil, "empty rectangle"},
		} {
			err := convert(tc.dst, tc.src, tc.w, 1, tc.icc, lcms.Perceptual)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("%s, %s: %v, want an error saying %q (wrapping %v)", name, tc.name, err, tc.want, tc.is)
			}
		}
		src := rgba(8)
		if err := convert(lcms.Pixels{Pix: src.Pix[4:], Stride: src.Stride, Format: lcms.RGBA8}, src, 4, 1, p3, lcms.Perceptual); err == nil || !strings.Contains(err.Error(), "overlap") {
			t.Errorf("%s, overlapping buffers: %v, want an error", name, err)
		}
	}
	for _, name := range []string{"rgb-lut-v2.icc", "cmyk-lut-v2.icc"} {
		src := rgba(4)
		if name == "cmyk-lut-v2.icc" {
			src = cmyk
		}
		err := lcms.Portable(rgba(4), src, 4, 1, readICC(t, name), lcms.Perceptual)
		if !errors.Is(err, lcms.ErrUnsupported) || !strings.Contains(err.Error(), "apt install liblcms2-2") {
			t.Errorf("Portable with %s: %v, want ErrUnsupported saying to install liblcms2-2", name, err)
		}
	}
	if lib, err := lcms.Load(); err == nil {
		// LittleCMS's own message names the cause.
		err := lib.ToSRGB(rgba(4), rgba(4), 4, 1, p3[:200], lcms.Perceptual)
		if err == nil || !strings.Contains(err.Error(), "LittleCMS cannot read it: ") {
			t.Errorf("truncated profile: %v, want LittleCMS's message", err)
		}
	}
}

func TestParseProfile(t *testing.T) {
	for _, tc := range []struct {
		file, desc, space string
		version           uint32
		matrix, srgb      bool
	}{
		{"display-p3-v4.icc", "Display P3 (made for fanout tests)", "RGB ", 0x04300000, true, false},
		{"adobe-rgb-compatible.icc", "Compatible with Adobe RGB (1998)", "RGB ", 0x02200000, true, false},
		{"lstar-rgb.icc", "Lstar-RGB.icc", "RGB ", 0x02100000, true, false},
		{"srgb-v2-tables.icc", "sRGB", "RGB ", 0x02300000, true, true},
		{"srgb-lcms-v4.icc", "sRGB built-in", "RGB ", 0x04400000, true, true},
		{"gray-gamma22-v2.icc", "Gray Gamma 2.2 (made for fanout tests)", "GRAY", 0x02100000, true, false},
		{"cmyk-lut-v2.icc", "Naive CMYK ink model (made for fanout tests)", "CMYK", 0x02100000, false, false},
		{"rgb-lut-v2.icc", "Display P3 as a LUT (made for fanout tests)", "RGB ", 0x02100000, false, false},
	} {
		p, err := lcms.ParseProfile(readICC(t, tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if p.Description != tc.desc || p.ColorSpace != tc.space || p.Version != tc.version ||
			p.MatrixShaper() != tc.matrix || p.IsSRGB() != tc.srgb {
			t.Errorf("%s: %q %q %#x matrix %v sRGB %v, want %q %q %#x %v %v", tc.file,
				p.Description, p.ColorSpace, p.Version, p.MatrixShaper(), p.IsSRGB(),
				tc.desc, tc.space, tc.version, tc.matrix, tc.srgb)
		}
	}
	p3 := readICC(t, "display-p3-v4.icc")
	bad := append([]byte(nil), p3...)
	copy(bad[36:], "xxxx")
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"short", p3[:100], "shorter than a profile's header"},
		{"truncated", p3[:400], "header says 580 bytes, 400 given"},
		{"no acsp", bad, "no 'acsp' signature"},
	} {
		if _, err := lcms.ParseProfile(tc.data); err == nil || !errors.Is(err, lcms.ErrProfile) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrProfile saying %q", tc.name, err, tc.want)
		}
	}
}

// FuzzParseProfile checks that no profile makes the parser or the pure-Go
// transform panic, and that what parses converts or fails cleanly.
func FuzzParseProfile(f *testing.F) {
	for _, name := range append(matrixProfiles, "gray-gamma22-v2.icc", "rgb-lut-v2.icc") {
		f.Add(readICC(f, name))
	}
	f.Fuzz(func(t *testing.T, icc []byte) {
		if len(icc) > 1<<16 {
			return
		}
		p, err := lcms.ParseProfile(icc)
		if err != nil {
			return
		}
		_ = p.IsSRGB()
		format := lcms.RGBA8
		if p.ColorSpace == "GRAY" {
			format = lcms.Gray8
		}
		src := lcms.Pixels{Pix: []byte{0, 10, 200, 255, 255, 255, 255, 255}, Stride: 8, Format: format}
		dst := lcms.Pixels{Pix: make([]byte, 8), Stride: 8, Format: lcms.RGBA8}
		if err := lcms.Portable(dst, src, 2, 1, icc, lcms.Perceptual); err != nil && !errors.Is(err, lcms.ErrProfile) && !errors.Is(err, lcms.ErrUnsupported) {
			t.Errorf("Portable: %v, want ErrProfile or ErrUnsupported", err)
		}
	})
}

// TestConcurrent converts with one shared transform on many goroutines.
func TestConcurrent(t *testing.T) {
	lib := mustLoad(t)
	icc := readICC(t, "display-p3-v4.icc")
	src := lcms.Pixels{Pix: make([]byte, 4*256*16), Stride: 4 * 256, Format: lcms.RGBA8}
	for i := range src.Pix {
		src.Pix[i] = byte(i * 13)
	}
	want := lcms.Pixels{Pix: make([]byte, len(src.Pix)), Stride: src.Stride, Format: lcms.RGBA8}
	if err := lib.ToSRGB(want, src, 256, 16, icc, lcms.Perceptual); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 20 {
				dst := lcms.Pixels{Pix: make([]byte, len(src.Pix)), Stride: src.Stride, Format: lcms.RGBA8}
				if err := lib.ToSRGB(dst, src, 256, 16, icc, lcms.Perceptual); err != nil {
					t.Error(err)
					return
				}
				if string(dst.Pix) != string(want.Pix) {
					t.Errorf("goroutine %d: result differs", g)
					return
				}
			}
		})
	}
	wg.Wait()
}

func ExampleParseProfile() {
	icc, err := os.ReadFile("../../testdata/imgproc/icc/display-p3-v4.icc")
	if err != nil {
		panic(err)
	}
	p, err := lcms.ParseProfile(icc)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Description, p.ColorSpace, p.MatrixShaper(), p.IsSRGB())
	// Output: Display P3 (made for fanout tests) RGB  true false
}

func ExamplePortable() {
	icc, err := os.ReadFile("../../testdata/imgproc/icc/display-p3-v4.icc")
	if err != nil {
		panic(err)
	}
	// Display P3's pure red and a mid grey, converted to sRGB.
	src := lcms.Pixels{Pix: []byte{255, 0, 0, 255, 128, 128, 128, 255}, Stride: 8, Format: lcms.RGBA8}
	dst := lcms.Pixels{Pix: make([]byte, 8), Stride: 8, Format: lcms.RGBA8}
	if err := lcms.Portable(dst, src, 2, 1, icc, lcms.Perceptual); err != nil {
		panic(err)
	}
	fmt.Println(dst.Pix)
	// Output: [255 0 0 255 128 128 128 255]
}
