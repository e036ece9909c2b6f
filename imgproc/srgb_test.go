package imgproc_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/imgproc/lcms"
)

// srgbGolden holds, for machines without Pillow, the digests of Pillow's
// ImageCms.profileToProfile output for each case of TestToSRGBPillow, of
// the input it was given, and whether the pure-Go path matched it exactly.
const srgbGolden = "../testdata/imgproc/icc/srgb-golden.json"

type srgbGoldenCase struct {
	In, Pillow    string
	PortableExact bool
}

// pillowToSRGB converts raw pixels of a Pillow mode with a profile to
// Pillow's built-in sRGB, as an application using ImageCms would.
const pillowToSRGB = `
import io, sys
from PIL import Image, ImageCms
mode, w, h, inp, icc, intent, outp = sys.argv[1:8]
im = Image.frombytes(mode, (int(w), int(h)), open(inp, "rb").read())
prof = ImageCms.ImageCmsProfile(io.BytesIO(open(icc, "rb").read()))
out = ImageCms.profileToProfile(im, prof, ImageCms.createProfile("sRGB"),
    renderingIntent=int(intent), outputMode="RGB" if mode in ("L", "CMYK") else mode)
open(outp, "wb").write(out.tobytes())
`

func readICC(tb testing.TB, name string) []byte {
	tb.Helper()
	return mustReadFile(tb, filepath.Join("icc", name))
}

// srgbCase is a test image with its profile, decoded as ToSRGB receives
// it (pic) and as Pillow is given it (raw bytes of mode).
type srgbCase struct {
	file, mode string
	pic        *imgproc.Picture
	raw        []byte
	w, h       int
}

func loadSRGBCase(t *testing.T, file string) *srgbCase {
	t.Helper()
	data := mustReadFile(t, filepath.Join("icc", file))
	c := &srgbCase{file: file}
	if file == "cmyk-lut.jpg" {
		// Decode converts CMYK JPEGs to RGB; ToSRGB takes the CMYK pixels
		// image/jpeg returns, with the file's profile.
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		m := img.(*image.CMYK)
		c.pic = &imgproc.Picture{Image: m, ICC: readICC(t, "cmyk-lut-v2.icc")}
		c.mode, c.raw, c.w, c.h = "CMYK", m.Pix, m.Rect.Dx(), m.Rect.Dy()
		return c
	}
	opts := &imgproc.DecodeOptions{JPEG: imgproc.JPEGStd}
	pic, err := imgproc.Decode(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if pic.ICC == nil {
		t.Fatalf("%s: no profile decoded", file)
	}
	c.pic = pic
	in := pic.Image
	if _, ok := in.(*image.YCbCr); ok {
		// The pure-Go decoder's RGB is its planes converted as ToSRGB
		// converts them.
		rgb, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGStd, RGB: true})
		if err != nil {
			t.Fatal(err)
		}
		in = rgb.Image
	}
	b := in.Bounds()
	c.w, c.h = b.Dx(), b.Dy()
	c.mode, c.raw = rawPixels(in)
	return c
}

// rawPixels returns img's pixels as Pillow's tobytes gives them, and the
// Pillow mode: L for grey, RGB for opaque images, RGBA otherwise.
func rawPixels(img image.Image) (string, []byte) {
	if g, ok := img.(*image.Gray); ok {
		b := g.Bounds()
		out := make([]byte, 0, b.Dx()*b.Dy())
		for y := b.Min.Y; y < b.Max.Y; y++ {
			out = append(out, g.Pix[g.PixOffset(b.Min.X, y):][:b.Dx()]...)
		}
		return "L", out
	}
	rgba := pixelsNRGBA(img)
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		rgb := make([]byte, 0, len(rgba)/4*3)
		for i := 0; i < len(rgba); i += 4 {
			rgb = append(rgb, rgba[i:i+3]...)
		}
		return "RGB", rgb
	}
	return "RGBA", rgba
}

// resultRaw returns ToSRGB's output in the layout of Pillow's: grey as RGB
// triplets for a grey case.
func resultRaw(c *srgbCase, img image.Image) []byte {
	mode, raw := rawPixels(img)
	if mode == "L" {
		rgb := make([]byte, 0, 3*len(raw))
		for _, v := range raw {
			rgb = append(rgb, v, v, v)
		}
		return rgb
	}
	if c.mode == "RGBA" && mode == "RGB" {
		return pixelsNRGBA(img)
	}
	return raw
}

func maxDiff(a, b []byte) (maxd, n int) {
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d != 0 {
			n++
		}
		maxd = max(maxd, d, -d)
	}
	return maxd, n
}

var srgbCases = []string{
	"cube-p3.png", "cube-p3-alpha.png", "cube-adobe.png", "cube-adobe.jpg", "cube-prophoto.png",
	"cube-rec2020-para.png", "cube-black-offset.png", "cube-lstar.png", "cube-rgb-lut.png",
	"gray-gamma22.png", "gray-gamma22.jpg", "cmyk-lut.jpg",
}

// TestToSRGBPillow converts the test images with each profile and intent,
// through LittleCMS and through the pure-Go path, and compares the result
// with Pillow's ImageCms.profileToProfile to its built-in sRGB from the
// same pixels: LittleCMS's must be Pillow's bit for bit, the pure-Go
// path's within one level (and it must refuse the LUT-based profiles,
// saying to install LittleCMS).
func TestToSRGBPillow(t *testing.T) {
	golden := map[string]srgbGoldenCase{}
	if data, err := os.ReadFile(srgbGolden); err == nil {
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatal(err)
		}
	}
	live := pillowCheck() == nil
	if !live && len(golden) == 0 {
		t.Skipf("no golden file %s and no Pillow (Debian python3-pil) to compare with", srgbGolden)
	}
	_, lerr := lcms.Load()
	for _, file := range srgbCases {
		for _, intent := range []int{0, 1} {
			name := fmt.Sprintf("%s/intent%d", file, intent)
			t.Run(name, func(t *testing.T) {
				c := loadSRGBCase(t, file)
				var want []byte
				g := golden[name]
				if live {
					dir := t.TempDir()
					in, icc, out := filepath.Join(dir, "in"), filepath.Join(dir, "icc"), filepath.Join(dir, "out")
					if err := os.WriteFile(in, c.raw, 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(icc, c.pic.ICC, 0o644); err != nil {
						t.Fatal(err)
					}
					runPillow(t, pillowToSRGB, c.mode, fmt.Sprint(c.w), fmt.Sprint(c.h), in, icc, fmt.Sprint(intent), out)
					var err error
					if want, err = os.ReadFile(out); err != nil {
						t.Fatal(err)
					}
					if !*update && (g.Pillow != digest(want) || g.In != digest(c.raw)) {
						t.Errorf("the golden digests of %s differ from Pillow's; rerun with -update", name)
					}
					g = srgbGoldenCase{In: digest(c.raw), Pillow: digest(want), PortableExact: g.PortableExact}
				} else if g.In != digest(c.raw) {
					t.Skipf("input pixels differ from those the golden digest was made from (another decoder?)")
				}
				opts := &imgproc.SRGBOptions{RelativeColorimetric: intent == 1}
				for _, portable := range []bool{false, true} {
					if !portable && lerr != nil {
						t.Logf("LittleCMS unavailable (install liblcms2-2), its path untested: %v", lerr)
						continue
					}
					opts.Portable = portable
					pic := *c.pic
					err := imgproc.ToSRGB(&pic, opts)
					lut := strings.Contains(file, "lut")
					if portable && lut {
						if !errors.Is(err, imgproc.ErrUnsupported) || !strings.Contains(err.Error(), "liblcms2") {
							t.Errorf("portable ToSRGB with a LUT-based profile: %v, want ErrUnsupported saying to install liblcms2", err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("portable %v: %v", portable, err)
					}
					if pic.ICC != nil {
						t.Error("ICC kept after the conversion, want nil")
					}
					got := resultRaw(c, pic.Image)
					if live {
						if len(got) != len(want) {
							t.Fatalf("portable %v: %d bytes, Pillow %d", portable, len(got), len(want))
						}
						d, n := maxDiff(got, want)
						switch {
						case !portable && n > 0:
							t.Errorf("LittleCMS path: %d of %d samples differ from Pillow's, by up to %d", n, len(got), d)
						case portable && d > 1:
							t.Errorf("pure-Go path: %d of %d samples differ from Pillow's, by up to %d, want at most 1", n, len(got), d)
						case portable:
							t.Logf("pure-Go path: %d of %d samples differ from Pillow's by 1", n, len(got))
							if *update {
								g.PortableExact = n == 0
							} else if g.PortableExact != (n == 0) {
								t.Errorf("pure-Go path exact %v, golden file says %v; rerun with -update", n == 0, g.PortableExact)
							}
						}
						continue
					}
					if (!portable || g.PortableExact) && digest(got) != g.Pillow {
						t.Errorf("portable %v: digest %s, want Pillow's %s", portable, digest(got)[:12], g.Pillow[:12])
					}
				}
				if *update && live {
					golden[name] = g
				}
			})
		}
	}
	if *update && live {
		js, _ := json.MarshalIndent(golden, "", " ")
		if err := os.WriteFile(srgbGolden, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestToSRGBTypes checks what each image type becomes.
func TestToSRGBTypes(t *testing.T) {
	p3 := readICC(t, "display-p3-v4.icc")
	grey := readICC(t, "gray-gamma22-v2.icc")
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), []color.Color{color.RGBA{255, 0, 0, 255}, color.NRGBA{0, 255, 0, 128}})
	pal.Pix[1] = 1
	for _, tc := range []struct {
		name string
		img  image.Image
		icc  []byte
		want string
	}{
		{"nrgba", image.NewNRGBA(image.Rect(0, 0, 3, 2)), p3, "*image.NRGBA"},
		{"opaque rgba", opaqueRGBA(3, 2), p3, "*image.RGBA"},
		{"translucent rgba", image.NewRGBA(image.Rect(0, 0, 3, 2)), p3, "*image.NRGBA"},
		{"ycbcr", image.NewYCbCr(image.Rect(0, 0, 5, 3), image.YCbCrSubsampleRatio420), p3, "*image.RGBA"},
		{"grey with grey profile", image.NewGray(image.Rect(0, 0, 3, 2)), grey, "*image.Gray"},
		{"grey with rgb profile", image.NewGray(image.Rect(0, 0, 3, 2)), p3, "*image.NRGBA"},
		{"gray16 with grey profile", image.NewGray16(image.Rect(0, 0, 3, 2)), grey, "*image.Gray16"},
		{"nrgba64", image.NewNRGBA64(image.Rect(0, 0, 3, 2)), p3, "*image.NRGBA64"},
		{"paletted", pal, p3, "*image.Paletted"},
	} {
		for _, portable := range []bool{false, true} {
			pic := &imgproc.Picture{Image: tc.img, ICC: tc.icc}
			if err := imgproc.ToSRGB(pic, &imgproc.SRGBOptions{Portable: portable}); err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if got := fmt.Sprintf("%T", pic.Image); got != tc.want {
				t.Errorf("%s (portable %v): ToSRGB made %s, want %s", tc.name, portable, got, tc.want)
			}
			if pic.Image == tc.img {
				t.Errorf("%s: ToSRGB kept the input image, want a new one", tc.name)
			}
		}
	}
	// The palette is converted; the pixels and alpha are kept.
	pic := &imgproc.Picture{Image: pal, ICC: p3}
	if err := imgproc.ToSRGB(pic, nil); err != nil {
		t.Fatal(err)
	}
	out := pic.Image.(*image.Paletted)
	if r, g, b, a := out.Palette[0].RGBA(); r>>8 != 255 || g>>8 != 0 || b>>8 != 0 || a != 0xffff {
		// Display P3's red is outside sRGB: clipped to sRGB's red.
		t.Errorf("P3 red became %v, want sRGB red, clipped", out.Palette[0])
	}
	if c := color.NRGBAModel.Convert(out.Palette[1]).(color.NRGBA); c.A != 128 || c.G != 255 {
		t.Errorf("P3 translucent green became %v, want alpha 128 kept", c)
	}
	if !bytes.Equal(out.Pix, pal.Pix) {
		t.Error("palette indices changed")
	}
}

func opaqueRGBA(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = 0xff
	}
	return m
}

// TestToSRGBLeavesSRGB checks that sRGB pictures keep their pixels (the
// conversion would change none by more than a level) and lose the profile,
// and that pictures without a profile are left alone.
func TestToSRGBLeavesSRGB(t *testing.T) {
	for _, name := range []string{"srgb-v2-tables.icc", "srgb-lcms-v4.icc"} {
		src := cubeNRGBA()
		pic := &imgproc.Picture{Image: src, ICC: readICC(t, name)}
		if err := imgproc.ToSRGB(pic, nil); err != nil {
			t.Fatal(err)
		}
		if pic.Image != src || pic.ICC != nil {
			t.Errorf("%s: image replaced or profile kept, want the same pixels and no profile", name)
		}
		// What LittleCMS would have made of them.
		lib, err := lcms.Load()
		if err != nil {
			continue
		}
		dst := image.NewNRGBA(src.Rect)
		if err := lib.ToSRGB(lcms.Pixels{Pix: dst.Pix, Stride: dst.Stride, Format: lcms.RGBA8},
			lcms.Pixels{Pix: src.Pix, Stride: src.Stride, Format: lcms.RGBA8}, 256, 64, readICC(t, name), lcms.Perceptual); err != nil {
			t.Fatal(err)
		}
		if d, n := maxDiff(dst.Pix, src.Pix); d > 1 {
			t.Errorf("%s: LittleCMS changes %d samples by up to %d, want at most 1 for a profile taken as sRGB", name, n, d)
		} else {
			t.Logf("%s: LittleCMS would change %d of %d samples, by at most %d", name, n, len(src.Pix), d)
		}
	}
	img := cubeNRGBA()
	pic := &imgproc.Picture{Image: img}
	if err := imgproc.ToSRGB(pic, nil); err != nil || pic.Image != img {
		t.Errorf("ToSRGB without a profile: %v, image replaced %v; want nothing done", err, pic.Image != img)
	}
}

// cubeNRGBA is 256x64 colours, 16 levels a channel spread over the cube.
func cubeNRGBA() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 256, 64))
	for i := range 256 * 64 {
		m.Pix[4*i], m.Pix[4*i+1], m.Pix[4*i+2], m.Pix[4*i+3] = byte(i>>10*8+i%7), byte(i>>5%32*8), byte(i%32*8+3), 255
	}
	return m
}

// TestToSRGBErrors checks the errors for profiles that cannot be used,
// and that the picture is then unchanged.
func TestToSRGBErrors(t *testing.T) {
	p3 := readICC(t, "display-p3-v4.icc")
	for _, tc := range []struct {
		name string
		icc  []byte
		img  image.Image
		want string
	}{
		{"garbage", []byte("this is not a colour profile, not even close to one"), cubeNRGBA(), "unusable colour profile"},
		{"truncated", p3[:300], cubeNRGBA(), "unusable colour profile"},
		{"grey profile on RGB", readICC(t, "gray-gamma22-v2.icc"), cubeNRGBA(), "unusable colour profile"},
		{"CMYK profile on RGB", readICC(t, "cmyk-lut-v2.icc"), cubeNRGBA(), "unusable colour profile"},
	} {
		for _, portable := range []bool{false, true} {
			pic := &imgproc.Picture{Image: tc.img, ICC: tc.icc}
			err := imgproc.ToSRGB(pic, &imgproc.SRGBOptions{Portable: portable})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, lcms.ErrProfile) {
				t.Errorf("%s (portable %v): %v, want an lcms.ErrProfile saying %q", tc.name, portable, err, tc.want)
			}
			if pic.Image != tc.img || pic.ICC == nil {
				t.Errorf("%s: picture changed on error", tc.name)
			}
		}
	}
}

// TestToSRGB16 converts the 16-bit PNG: it stays 16-bit, and its colours
// are LittleCMS's (unoptimised, in single precision) to within a 16-bit
// level.
func TestToSRGB16(t *testing.T) {
	pic, err := imgproc.Decode(mustReadFile(t, "icc/rgb16-p3.png"), nil)
	if err != nil {
		t.Fatal(err)
	}
	src := pic.Image
	if err := imgproc.ToSRGB(pic, nil); err != nil {
		t.Fatal(err)
	}
	out, ok := pic.Image.(*image.RGBA64)
	if !ok {
		t.Fatalf("16-bit RGB became %T, want *image.RGBA64", pic.Image)
	}
	lib, err := lcms.Load()
	if err != nil {
		t.Skipf("LittleCMS unavailable (install liblcms2-2): %v", err)
	}
	in := src.(*image.RGBA64)
	want := image.NewRGBA64(in.Rect)
	if err := lib.ToSRGB(lcms.Pixels{Pix: want.Pix, Stride: want.Stride, Format: lcms.RGBA16},
		lcms.Pixels{Pix: in.Pix, Stride: in.Stride, Format: lcms.RGBA16}, 32, 32, readICC(t, "display-p3-v4.icc"), lcms.Perceptual); err != nil {
		t.Fatal(err)
	}
	worst := 0
	for i := 0; i < len(out.Pix); i += 2 {
		d := int(out.Pix[i])<<8 | int(out.Pix[i+1]) - (int(want.Pix[i])<<8 | int(want.Pix[i+1]))
		worst = max(worst, d, -d)
	}
	if worst > 1 {
		t.Errorf("16-bit result up to %d 16-bit levels from LittleCMS's, want at most 1", worst)
	}
	fine := 0
	for i := 1; i < len(out.Pix); i += 2 {
		if out.Pix[i] != out.Pix[i-1] {
			fine++
		}
	}
	if fine == 0 {
		t.Error("every 16-bit sample is a multiple of 257: precision lost")
	}
}

// TestToSRGBConcurrent converts on many goroutines at once, with the same
// and with different profiles, more than the transform cache holds; each
// result must be the one a lone conversion gives.
func TestToSRGBConcurrent(t *testing.T) {
	base := readICC(t, "display-p3-v4.icc")
	at := bytes.Index(base, []byte("\x00D\x00i\x00s\x00p")) + 1 // the description, in UTF-16
	var profiles [][]byte
	for i := range 20 {
		// Distinct profiles (another description), 40 in all: more than
		// the cache holds.
		p := append([]byte(nil), base...)
		p[at] = 'A' + byte(i)
		profiles = append(profiles, p, readICC(t, []string{"adobe-rgb-compatible.icc", "prophoto-v4.icc"}[i%2]))
	}
	src := cubeNRGBA()
	for _, portable := range []bool{false, true} {
		opts := &imgproc.SRGBOptions{Portable: portable}
		want := make([][]byte, len(profiles))
		for i, icc := range profiles {
			pic := &imgproc.Picture{Image: src, ICC: icc}
			if err := imgproc.ToSRGB(pic, opts); err != nil {
				t.Fatal(err)
			}
			want[i] = pic.Image.(*image.NRGBA).Pix
		}
		var wg sync.WaitGroup
		for g := range 16 {
			wg.Go(func() {
				for i := range 10 {
					k := (g*7 + i*3) % len(profiles)
					pic := &imgproc.Picture{Image: src, ICC: profiles[k]}
					if err := imgproc.ToSRGB(pic, opts); err != nil {
						t.Error(err)
						return
					}
					if !bytes.Equal(pic.Image.(*image.NRGBA).Pix, want[k]) {
						t.Errorf("goroutine %d, conversion %d: result differs from a lone conversion's", g, i)
					}
				}
			})
		}
		wg.Wait()
	}
}

func TestCMSInfo(t *testing.T) {
	info := imgproc.CMSInfo()
	if _, err := lcms.Load(); err == nil {
		if !strings.HasPrefix(info, "LittleCMS 2.") {
			t.Errorf("CMSInfo() = %q, want LittleCMS's version", info)
		}
	} else if !strings.Contains(info, "pure Go") || !strings.Contains(info, "liblcms2") {
		t.Errorf("CMSInfo() = %q, want the pure-Go path and what to install", info)
	}
}

// BenchmarkToSRGB converts a 2560×1600 photo (decoded to RGB) from
// Display P3, through LittleCMS and through the pure-Go path.
func BenchmarkToSRGB(b *testing.B) {
	pic, err := imgproc.Decode(benchJPEG(), &imgproc.DecodeOptions{JPEG: imgproc.JPEGStd, RGB: true})
	if err != nil {
		b.Fatal(err)
	}
	p3 := readICC(b, "display-p3-v4.icc")
	for _, portable := range []bool{false, true} {
		name := "lcms"
		if portable {
			name = "portable"
		} else if _, err := lcms.Load(); err != nil {
			b.Logf("LittleCMS unavailable: %v", err)
			continue
		}
		b.Run(name, func(b *testing.B) {
			opts := &imgproc.SRGBOptions{Portable: portable}
			b.SetBytes(2560 * 1600 * 4)
			b.ReportAllocs()
			for b.Loop() {
				p := &imgproc.Picture{Image: pic.Image, ICC: p3}
				if err := imgproc.ToSRGB(p, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
