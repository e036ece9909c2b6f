package imgproc_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/imgproc/libtiff"
)

// tiffCorpusDir holds the TIFF corpus, made by make.sh beside it.
const tiffCorpusDir = "../testdata/corpus/tiff"

// tiffGolden holds, per corpus file, the digest of the reference's pixels
// and of fanout's, for machines without Pillow or libvips.
const tiffGolden = "../testdata/corpus/tiff/golden.json"

// A tiffCase says what decoding one corpus file must give.
type tiffCase struct {
	file string
	// ref is the reference decoder: "pillow" (Pillow 9.4, then
	// convert("RGBA"); "I;16" and "I" modes as 16-bit values, "F" through
	// convert("L")), "vips" (vips copy to PNG, 16 bits kept), or "source"
	// (src.png, the picture the file was made from, for files that neither
	// reads). Empty for a file fanout refuses.
	ref string
	// minPSNR is the least PSNR (dB) over the RGBA samples against ref; 0
	// means bit-exact.
	minPSNR float64
	// why says why ref is the reference when it is not Pillow, why the
	// result is not bit-exact, or why the file is refused.
	why string
	// refused is the error class of fanout's refusal, with libtiff.
	refused error
	// portable: golang.org/x/image/tiff reads the file right, so without
	// libtiff it gives the same result; otherwise the fallback refuses it
	// with ErrUnsupported (or refused, if set).
	portable bool
	// scale12 scales Pillow's 12-bit values (kept unscaled in "I;16") to 16
	// bits as fanout does: by bit replication.
	scale12 bool
	// refFile, if set, is the file whose reference decoding is used: one
	// with the same pixels in a layout the reference reads.
	refFile string
	// high8 checks the high bytes of a 16-bit RGB result against Pillow,
	// which reads 16-bit RGB as 8-bit.
	high8 bool
}

var tiffCases = []tiffCase{
	// Baseline files: x/image reads them right.
	{file: "rgb8.tif", ref: "pillow", portable: true},
	{file: "rgb8-lzw.tif", ref: "pillow", portable: true},
	{file: "rgb8-zip-pred.tif", ref: "pillow", portable: true},
	{file: "rgb8-packbits-tiled.tif", ref: "pillow", portable: true},
	{file: "rgba8-unassoc.tif", ref: "pillow", portable: true},
	{file: "rgba8-assoc.tif", ref: "pillow", portable: true, minPSNR: 50, why: "associated alpha: fanout keeps the stored premultiplied samples (*image.RGBA, as x/image does), which Go's colour model unpremultiplies with rounding; Pillow unpremultiplies on loading, truncating: 1-level differences"},
	{file: "grey8-lzw.tif", ref: "pillow", portable: true},
	{file: "grey8-minwhite.tif", ref: "pillow", portable: true},
	{file: "bilevel.tif", ref: "pillow", portable: true},
	{file: "bilevel-miniswhite.tif", ref: "pillow", portable: true},
	{file: "bilevel-miniswhite-g3.tif", ref: "pillow", portable: true},
	{file: "bilevel-miniswhite-g4.tif", ref: "pillow", portable: true},
	{file: "palette8.tif", ref: "pillow", portable: true},
	{file: "grey16.tif", ref: "pillow", portable: true},
	{file: "grey16-be.tif", ref: "pillow", portable: true},
	{file: "rgb16.tif", ref: "vips", portable: true, high8: true, why: "Pillow reads 16-bit RGB as 8-bit (the high bytes, checked too); libvips keeps 16 bits, as fanout does"},
	{file: "rgb16-be.tif", ref: "vips", portable: true, high8: true, why: "16-bit RGB: as rgb16.tif"},
	{file: "rgb16-lzw-pred.tif", ref: "vips", portable: true, high8: true, why: "16-bit RGB: as rgb16.tif"},
	{file: "rgba16-unassoc.tif", ref: "vips", portable: true, high8: true, why: "16-bit RGBA: as rgb16.tif"},
	{file: "multipage.tif", ref: "pillow", portable: true},
	{file: "orient6.tif", ref: "pillow", portable: true},

	// Separate planes.
	{file: "planar-rgb8.tif", ref: "pillow"},
	{file: "planar-rgb8-lzw.tif", ref: "pillow"},
	{file: "planar-rgba8-lzw.tif", ref: "pillow"},
	// Pillow 9.4 misreads 16-bit separate planes (13 to 16 dB): libvips
	// is the reference, for tiles its reading of the same pixels in strips
	// ("tiled separate planes not supported").
	{file: "planar-rgb16.tif", ref: "vips", why: "16-bit RGB in separate planes, which Pillow misreads"},
	{file: "planar-rgb16-tiled.tif", ref: "vips", refFile: "planar-rgb16.tif", why: "as planar-rgb16.tif; libvips reads no tiled separate planes"},
	{file: "planar-rgb16-tiled-zip.tif", ref: "vips", refFile: "planar-rgb16.tif", why: "as planar-rgb16-tiled.tif"},
	{file: "planar-rgb16-lzw-pred.tif", ref: "vips", why: "as planar-rgb16.tif"},
	{file: "planar-cmyk8-lzw.tif", ref: "pillow"},
	// FillOrder 2.
	{file: "fillorder2-grey16.tif", ref: "pillow"},
	{file: "fillorder2-rgb8.tif", ref: "pillow"},
	// CMYK, converted with Pillow's formula (libvips applies a CMYK profile).
	{file: "cmyk8.tif", ref: "pillow"},
	{file: "cmyk8-lzw.tif", ref: "pillow"},
	{file: "cmyk16.tif", ref: "pillow"},
	{file: "cmyk16-im.tif", ref: "pillow"},
	{file: "cmyka8.tif", refused: imgproc.ErrUnsupported, why: "CMYK with alpha: Pillow and libvips refuse it too"},
	// CIE L*a*b*.
	{file: "lab8.tif", ref: "pillow", minPSNR: 55, why: labWhy},
	{file: "lab8-lzw.tif", ref: "pillow", minPSNR: 55, why: labWhy},
	{file: "lab8-vips.tif", ref: "pillow", minPSNR: 55, why: labWhy},
	{file: "lab16-im.tif", ref: "vips", minPSNR: 44, why: "Pillow does not read 16-bit L*a*b*; libvips takes L*a*b* as relative to D65, with no chromatic adaptation, where fanout, as LittleCMS (Pillow's 8-bit L*a*b*) and Adobe's TIFF technical note 4, takes it relative to D50, Bradford-adapted to sRGB's D65"},
	// JPEG and old-style JPEG, raw YCbCr.
	{file: "jpeg-ycbcr.tif", ref: "pillow"},
	{file: "jpeg-ycbcr-tiled.tif", ref: "pillow"},
	{file: "jpeg-rgb.tif", ref: "pillow"},
	{file: "jpeg-grey.tif", ref: "pillow"},
	{file: "jpeg-pillow.tif", ref: "pillow"},
	{file: "ojpeg.tif", ref: "pillow"},
	{file: "ycbcr420-raw.tif", ref: "source", minPSNR: 38, why: "neither Pillow (it ignores the subsampling of uncompressed YCbCr) nor libvips (\"subsampled images not supported\") reads it; the bound is the loss of the 4:2:0 chroma gen.py stored"},
	// Signed and floating-point samples.
	{file: "float32-grey.tif", ref: "pillow"},
	{file: "float32-grey-fpred.tif", ref: "pillow"},
	{file: "float32-rgb.tif", ref: "vips", why: "Pillow does not read floating-point RGB"},
	{file: "int16-grey.tif", ref: "pillow"},
	{file: "int8-grey.tif", ref: "vips", why: "Pillow does not read signed 8-bit samples"},
	// 2-, 4- and 12-bit samples, odd sample counts, extra samples.
	{file: "grey2.tif", ref: "pillow"},
	{file: "grey4.tif", ref: "pillow"},
	{file: "grey12.tif", ref: "pillow", scale12: true},
	{file: "palette4.tif", ref: "pillow"},
	{file: "rgb4.tif", refused: imgproc.ErrUnsupported, why: "4-bit RGB: Pillow, libvips and libtiff's RGBA interface refuse it"},
	{file: "grey-alpha8.tif", ref: "pillow"},
	{file: "grey-alpha16.tif", ref: "vips", why: "Pillow does not read 16-bit grey with alpha"},
	{file: "rgb8-extra-unspecified.tif", ref: "pillow"},
	{file: "rgba8-extra2.tif", ref: "pillow"},
	// Structure and compressions.
	{file: "bilevel-g4.tif", ref: "pillow"},
	{file: "bilevel-g4-tiffcp.tif", ref: "pillow"},
	{file: "bilevel-g3.tif", ref: "pillow"},
	{file: "fillorder2-g3.tif", ref: "pillow"},
	{file: "unsorted-tags.tif", ref: "pillow"},
	{file: "bigtiff-rgb8.tif", ref: "pillow"},
	{file: "bigtiff-grey16-lzw.tif", ref: "pillow"},
	{file: "bigtiff-orient6.tif", ref: "pillow"},
	{file: "bilevel-g3-2d.tif", ref: "pillow"},
	{file: "rgb8-lzma.tif", ref: "pillow"},
	{file: "rgb8-zstd.tif", ref: "pillow"},
	{file: "rgb8-webp.tif", ref: "pillow"},
	// Broken.
	{file: "truncated-lzw.tif", refused: imgproc.ErrTruncated, why: "cut at 6000 of 11196 bytes: the IFD is lost; Pillow refuses it too", portable: true},
	{file: "truncated-raw.tif", refused: imgproc.ErrTruncated, why: "cut at 4000 of 6278 bytes, in the pixels; Pillow refuses it too", portable: true},
}

const labWhy = "Pillow converts L*a*b* with LittleCMS, whose 8-bit transform interpolates a precomputed table; fanout computes the same conversion (D50, Bradford-adapted to sRGB) in floating point: 1-level differences in about 5 % of the samples"

// tiffGoldenEntry is what golden.json keeps of a file.
type tiffGoldenEntry struct {
	Ref       string  `json:"ref,omitempty"`
	Form      string  `json:"form,omitempty"`       // tiffSamples' form of the digests
	RefDigest string  `json:"ref_digest,omitempty"` // the reference's samples
	Digest    string  `json:"digest,omitempty"`     // fanout's samples, as measured
	PSNR      float64 `json:"psnr,omitempty"`       // as measured; 0 for bit-exact
}

// TestTIFFCorpus decodes every file of the TIFF corpus, with libtiff and
// with the portable fallback, and checks each against its tiffCase.
func TestTIFFCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(tiffCorpusDir, "*.tif"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no TIFF corpus files: %v", err)
	}
	cases := map[string]tiffCase{}
	for _, tc := range tiffCases {
		cases[tc.file] = tc
	}
	for _, f := range files {
		if _, ok := cases[filepath.Base(f)]; !ok {
			t.Errorf("%s has no tiffCase", filepath.Base(f))
		}
	}
	golden := map[string]tiffGoldenEntry{}
	if data, err := os.ReadFile(tiffGolden); err == nil {
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatal(err)
		}
	}
	refs := tiffReferences(t)
	_, libErr := libtiff.Load()
	counts := map[string]int{}
	for _, portable := range []bool{false, true} {
		name := "libtiff"
		if portable {
			name = "portable"
		} else if libErr != nil {
			t.Logf("libtiff unavailable (apt install libtiff6): only the portable decoder is checked: %v", libErr)
			continue
		}
		t.Run(name, func(t *testing.T) {
			if portable {
				imgproc.UseTIFFPortable(t)
			}
			for _, tc := range tiffCases {
				data, err := os.ReadFile(filepath.Join(tiffCorpusDir, tc.file))
				if err != nil {
					t.Fatal(err)
				}
				pic, err := imgproc.Decode(data, nil)
				refused := tc.refused
				if portable && !tc.portable {
					refused = imgproc.ErrUnsupported
				}
				if refused != nil {
					if !errors.Is(err, refused) {
						t.Errorf("%s: %v, want a refusal wrapping %v", tc.file, err, refused)
					} else if portable && !tc.portable && !strings.Contains(err.Error(), "apt install libtiff6") {
						t.Errorf("%s: refusal %q does not say what to install", tc.file, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", tc.file, err)
					continue
				}
				counts[name]++
				wantCodec := "libtiff"
				if portable {
					wantCodec = "golang.org/x/image/tiff"
				}
				if !strings.HasPrefix(pic.Codec, wantCodec) {
					t.Errorf("%s: Codec %q, want %s", tc.file, pic.Codec, wantCodec)
				}
				checkTIFFCase(t, tc, pic.Image, refs, golden)
			}
		})
	}
	n := 0
	for _, r := range refs {
		if r.pillow != nil {
			n++
		}
	}
	if len(refs) > 0 {
		t.Logf("of %d files, Pillow decodes %d; fanout decodes %d with libtiff, %d without", len(tiffCases), n, counts["libtiff"], counts["portable"])
	}
	if *update {
		if len(refs) == 0 {
			t.Fatal("-update needs Pillow (Debian python3-pil) and libvips (libvips-tools)")
		}
		js, _ := json.MarshalIndent(golden, "", "\t")
		if err := os.WriteFile(tiffGolden, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkTIFFCase compares img with the reference of tc: live when refs has
// it, else through the golden digests.
func checkTIFFCase(t *testing.T, tc tiffCase, img image.Image, refs map[string]tiffRef, golden map[string]tiffGoldenEntry) {
	t.Helper()
	refFile := tc.file
	if tc.refFile != "" {
		refFile = tc.refFile
	}
	ref, live := refs[refFile]
	if !live {
		g, ok := golden[tc.file]
		switch {
		case !ok || g.RefDigest == "":
			t.Errorf("%s: no golden digest (run go test ./imgproc -run TestTIFFCorpus -update with python3-pil and libvips-tools)", tc.file)
		case tc.minPSNR == 0 && digest(tiffSamples(img, g.Form)) != g.RefDigest:
			t.Errorf("%s: the decoded samples' digest differs from %s's", tc.file, g.Ref)
		case tc.minPSNR > 0 && digest(tiffSamples(img, g.Form)) != g.Digest:
			t.Errorf("%s: the decoded samples changed since they measured %.1f dB from %s's (at least %.0f dB wanted)", tc.file, g.PSNR, g.Ref, tc.minPSNR)
		}
		return
	}
	want, form := ref.pick(tc.ref)
	if want == nil {
		t.Errorf("%s: the reference, %s, failed: %s", tc.file, tc.ref, ref.errOf(tc.ref))
		return
	}
	if tc.scale12 {
		for i := 0; i+1 < len(want); i += 2 {
			v := uint16(want[i])<<8 | uint16(want[i+1])
			if i%8 != 6 {
				v = v<<4 | v>>8
			}
			want[i], want[i+1] = byte(v>>8), byte(v)
		}
	}
	if b := img.Bounds(); b.Dx() != ref.w || b.Dy() != ref.h {
		t.Errorf("%s: %dx%d, %s gives %dx%d", tc.file, b.Dx(), b.Dy(), tc.ref, ref.w, ref.h)
		return
	}
	got := tiffSamples(img, form)
	p := samplesPSNR(got, want, form == "deep")
	switch {
	case tc.minPSNR == 0 && !slices.Equal(got, want):
		n, first := diffCount(got, want)
		t.Errorf("%s: %d sample bytes differ from %s's (%.1f dB), the first at byte %d", tc.file, n, tc.ref, p, first)
	case p < tc.minPSNR:
		t.Errorf("%s: %.1f dB from %s's, want at least %.0f (%s)", tc.file, p, tc.ref, tc.minPSNR, tc.why)
	}
	if tc.high8 {
		// Pillow reads 16-bit RGB as the high bytes: check them as well.
		if g8 := tiffSamples(img, "8"); ref.pillow == nil || ref.pillowForm != "8" || !slices.Equal(g8, ref.pillow) {
			n, _ := diffCount(g8, ref.pillow)
			t.Errorf("%s: the high bytes differ from Pillow's 8-bit reading in %d samples (Pillow: %s)", tc.file, n, ref.pillowErr)
		}
	}
	for _, other := range []string{"pillow", "vips"} {
		if o, oform := ref.pick(other); other != tc.ref && o != nil {
			t.Logf("%s: %.1f dB from %s's, %s", tc.file, samplesPSNR(tiffSamples(img, oform), o, oform == "deep"), other, tc.ref)
		} else if other != tc.ref {
			t.Logf("%s: %s fails: %s", tc.file, other, ref.errOf(other))
		}
	}
	e := tiffGoldenEntry{Ref: tc.ref, Form: form, RefDigest: digest(want)}
	if tc.minPSNR > 0 {
		e.Digest, e.PSNR = digest(got), math.Round(p*10)/10
	}
	golden[tc.file] = e
}

// tiffSamples returns img's samples, row by row, in one of three forms:
// "8", straight-alpha RGBA of 8 bits; "deep", straight-alpha RGBA of 16
// bits, big-endian; "premul", premultiplied RGBA of 8 bits.
func tiffSamples(img image.Image, form string) []byte {
	r := img.Bounds()
	var out []byte
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			var c color.NRGBA64 // straight, 16 bits
			switch m := img.(type) {
			case *image.NRGBA64:
				c = m.NRGBA64At(x, y)
			case *image.NRGBA:
				n := m.NRGBAAt(x, y)
				c = color.NRGBA64{uint16(n.R) * 257, uint16(n.G) * 257, uint16(n.B) * 257, uint16(n.A) * 257}
			default:
				c = color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
			}
			switch form {
			case "deep":
				for _, v := range []uint16{c.R, c.G, c.B, c.A} {
					out = append(out, byte(v>>8), byte(v))
				}
			case "premul":
				p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				out = append(out, p.R, p.G, p.B, p.A)
			default:
				out = append(out, byte(c.R>>8), byte(c.G>>8), byte(c.B>>8), byte(c.A>>8))
			}
		}
	}
	return out
}

// samplesPSNR is the PSNR between two sample buffers of tiffSamples' form.
func samplesPSNR(a, b []byte, deep bool) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var sum float64
	n, peak := 0, 255.0
	if deep {
		peak = 65535
		for i := 0; i+1 < len(a); i += 2 {
			d := float64(uint16(a[i])<<8|uint16(a[i+1])) - float64(uint16(b[i])<<8|uint16(b[i+1]))
			sum += d * d
			n++
		}
	} else {
		for i := range a {
			d := float64(a[i]) - float64(b[i])
			sum += d * d
			n++
		}
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(peak*peak/(sum/float64(n)))
}

// tiffRef is what the reference decoders give for one file, in
// tiffSamples' forms.
type tiffRef struct {
	w, h       int
	pillow     []byte
	pillowForm string
	pillowErr  string
	vips       []byte
	vipsForm   string
	vipsErr    string
	source     []byte
}

func (r tiffRef) pick(ref string) ([]byte, string) {
	switch ref {
	case "pillow":
		return slices.Clone(r.pillow), r.pillowForm
	case "vips":
		return slices.Clone(r.vips), r.vipsForm
	case "source":
		return slices.Clone(r.source), "8"
	}
	return nil, ""
}

func (r tiffRef) errOf(ref string) string {
	switch ref {
	case "pillow":
		return r.pillowErr
	case "vips":
		return r.vipsErr
	}
	return "unknown reference " + ref
}

// tiffReferences decodes the corpus with Pillow and libvips, or returns
// nil (and says why) when either is missing: the golden digests are then
// the references.
func tiffReferences(t *testing.T) map[string]tiffRef {
	t.Helper()
	if err := pillowCheck(); err != nil {
		t.Logf("no Pillow (install Debian's python3-pil to check live): %v; checking against the golden digests", err)
		return nil
	}
	vips, err := exec.LookPath("vips")
	if err != nil {
		t.Logf("no libvips (install libvips-tools to check live): %v; checking against the golden digests", err)
		return nil
	}
	dir := t.TempDir()
	out, err := exec.Command(pythonPIL, append([]string{"-c", `
import os, sys
from PIL import Image
root, out = sys.argv[1], sys.argv[2]
for i, name in enumerate(sys.argv[3:]):
    try:
        im = Image.open(os.path.join(root, name))
        im.load()
    except Exception as e:
        print(i, "error", type(e).__name__ + ": " + str(e).replace("\n", " "))
        continue
    w, h = im.size
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        data = bytearray()
        for v in im.getdata():
            v = max(0, min(65535, v))
            data += bytes((v >> 8, v & 255)) * 3 + b"\xff\xff"
        form = "deep"
    elif im.mode == "RGBa":
        data, form = im.tobytes(), "premul"
    else:
        if im.mode == "F":
            im = im.convert("L")
        data, form = im.convert("RGBA").tobytes(), "8"
    open(os.path.join(out, str(i)), "wb").write(data)
    print(i, form, w, h)
`, tiffCorpusDir, dir}, caseFiles()...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("Pillow: %v\n%s", err, out)
	}
	src := tiffSamples(mustReadPNG(t, filepath.Join(tiffCorpusDir, "src.png")), "8")
	needVips := map[string]bool{}
	for _, tc := range tiffCases {
		if tc.ref == "vips" {
			needVips[tc.file] = true
			if tc.refFile != "" {
				needVips[tc.refFile] = true
			}
		}
	}
	refs := map[string]tiffRef{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, " ", 3)
		i, err := strconv.Atoi(f[0])
		if err != nil || len(f) < 3 || i >= len(tiffCases) {
			continue // a warning
		}
		name := tiffCases[i].file
		r := tiffRef{source: src, w: 64, h: 48}
		if f[1] == "error" {
			r.pillowErr = f[2]
		} else {
			fmt.Sscan(f[2], &r.w, &r.h)
			r.pillowForm = f[1]
			if r.pillow, err = os.ReadFile(filepath.Join(dir, f[0])); err != nil {
				t.Fatal(err)
			}
		}
		if !needVips[name] && !*update && !testing.Verbose() {
			refs[name] = r
			continue // libvips takes a quarter of a second a file
		}
		png := filepath.Join(dir, f[0]+".png")
		if b, err := exec.Command(vips, "copy", filepath.Join(tiffCorpusDir, name), png).CombinedOutput(); err != nil {
			r.vipsErr = strings.TrimSpace(string(b))
		} else {
			r.vipsForm = "8"
			if pngDeep(t, png) {
				r.vipsForm = "deep"
			}
			r.vips = tiffSamples(mustReadPNG(t, png), r.vipsForm)
		}
		refs[name] = r
	}
	if len(refs) != len(tiffCases) {
		t.Fatalf("Pillow gave %d results for %d files:\n%s", len(refs), len(tiffCases), out)
	}
	return refs
}

func caseFiles() []string {
	var names []string
	for _, tc := range tiffCases {
		names = append(names, tc.file)
	}
	return names
}

// pngDeep reports whether the PNG at path has 16-bit samples.
func pngDeep(t *testing.T, path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = png.DecodeConfig(bytes.NewReader(data))
	return err == nil && len(data) > 24 && data[24] == 16 // IHDR bit depth
}
