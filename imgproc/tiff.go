package imgproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"strings"
	"sync/atomic"

	"github.com/fanout-dev/fanout/imgproc/libtiff"
	"golang.org/x/image/tiff"
)

// forceTIFFPortable makes TIFF go through golang.org/x/image/tiff (and the
// refusals of what it cannot read) even where libtiff is installed; tests
// set it to check the fallback.
var forceTIFFPortable atomic.Bool

// tiffAllLibTIFF routes every TIFF to libtiff when it is loaded, the
// baseline files x/image also reads included. Measured on the corpus
// (TestTIFFCorpus) and on 2560×1600 photos (BenchmarkDecodeTIFF): libtiff
// gives the same pixels as x/image on every baseline file (both bit-exact
// with Pillow) and decodes them 1.6 to 5 times as fast (uncompressed,
// Deflate, LZW; 8 and 16 bits), so one decoder serves every layout;
// x/image stays the portable fallback for the baseline files when libtiff
// is absent. (libtiff is C: a crash on hostile input takes the process
// down, where x/image's panics are recovered; fanout's --isolate confines
// that to one worker process.)
const tiffAllLibTIFF = true

// tiffLib returns the system's libtiff, or why it is not used.
func tiffLib() (*libtiff.Lib, error) {
	if forceTIFFPortable.Load() {
		return nil, errors.New("libtiff: not used: a test forces the portable decoder")
	}
	return libtiff.Load()
}

// tiffNeedsLib is the advice in the refusal of a TIFF variant that only
// libtiff reads.
const tiffNeedsLib = "needs libtiff (Debian, Ubuntu: apt install libtiff6; macOS: brew install libtiff)"

// TIFFInfo says how TIFF images are read on this system, for a user to
// read: "libtiff 4.5.0 (libtiff.so.6) for every TIFF; golang.org/x/image/tiff
// without it", or, without libtiff, that x/image reads the baseline files
// and why the other variants are refused. The first call may load the
// library; TIFFInfo is safe to call concurrently.
func TIFFInfo() string {
	lib, err := tiffLib()
	if err != nil {
		return "golang.org/x/image/tiff (baseline TIFF only; separate planes, FillOrder 2, CMYK, L*a*b*, JPEG, BigTIFF and other variants are refused: libtiff unavailable: " +
			strings.TrimPrefix(err.Error(), "libtiff: ") + "; apt install libtiff6 or brew install libtiff)"
	}
	return lib.String() + " for every TIFF (golang.org/x/image/tiff without it)"
}

// tiffLayout is what the first IFD of a classic TIFF file says, as far as
// choosing a decoder needs.
type tiffLayout struct {
	width, height int
	bps           []int // BitsPerSample, one value a sample
	spp           int
	photometric   int
	compression   int
	planar        int
	fillOrder     int
	predictor     int
	sampleFormat  []int
	extra         []int
	t4Options     int
	unsorted      bool
}

// readTIFFLayout reads the layout of a classic TIFF's first image. ok is
// false when the data is not classic TIFF (BigTIFF, or no TIFF at all).
func readTIFFLayout(d []byte) (t tiffLayout, ok bool) {
	bo, start, end, ok := firstIFD(d)
	if !ok {
		return t, false
	}
	t = tiffLayout{spp: 1, photometric: -1, compression: 1, planar: 1, fillOrder: 1, predictor: 1}
	prev := -1
	for e := start; e < end; e += 12 {
		tag := int(bo.Uint16(d[e:]))
		if tag <= prev {
			t.unsorted = true
		}
		prev = tag
		vals := ifdInts(d, bo, e)
		if len(vals) == 0 {
			continue
		}
		switch tag {
		case 256:
			t.width = vals[0]
		case 257:
			t.height = vals[0]
		case 258:
			t.bps = vals
		case 259:
			t.compression = vals[0]
		case 262:
			t.photometric = vals[0]
		case 266:
			t.fillOrder = vals[0]
		case 277:
			t.spp = vals[0]
		case 284:
			t.planar = vals[0]
		case 292:
			t.t4Options = vals[0]
		case 317:
			t.predictor = vals[0]
		case 338:
			t.extra = vals
		case 339:
			t.sampleFormat = vals
		}
	}
	if t.bps == nil {
		t.bps = []int{1}
	}
	return t, true
}

// ifdInts returns the values of the SHORT or LONG IFD entry at e (at most
// 64 of them), or nil for other types and values outside the data.
func ifdInts(d []byte, bo binary.ByteOrder, e int64) []int {
	typ, count := bo.Uint16(d[e+2:]), int64(bo.Uint32(d[e+4:]))
	size := int64(0)
	switch typ {
	case 3: // SHORT
		size = 2
	case 4: // LONG
		size = 4
	default:
		return nil
	}
	if count < 1 || count > 64 {
		return nil
	}
	p := e + 8
	if size*count > 4 {
		p = int64(bo.Uint32(d[e+8:]))
		if p < 0 || p+size*count > int64(len(d)) {
			return nil
		}
	}
	vals := make([]int, count)
	for i := range vals {
		if size == 2 {
			vals[i] = int(bo.Uint16(d[p+2*int64(i):]))
		} else {
			vals[i] = int(bo.Uint32(d[p+4*int64(i):]))
		}
	}
	return vals
}

// variant names what in t golang.org/x/image/tiff reads wrongly or not at
// all, or returns "" for the baseline layouts it reads right (checked
// against Pillow on the corpus in testdata/corpus/tiff): grey, palette and
// RGB (with an associated or unassociated alpha) of 1, 8 or 16 unsigned
// bits, interleaved, uncompressed, LZW, Deflate, PackBits or CCITT G3 1-D
// and G4, with no predictor or the horizontal one.
func (t tiffLayout) variant() string {
	same := true
	for _, b := range t.bps {
		same = same && b == t.bps[0]
	}
	bps := t.bps[0]
	for _, f := range t.sampleFormat {
		switch f {
		case 1:
		case 2:
			return "signed integer samples"
		case 3:
			return "floating-point samples"
		default:
			return fmt.Sprintf("SampleFormat %d", f)
		}
	}
	switch {
	case t.unsorted:
		return "unsorted tags"
	case t.planar == 2 && t.spp > 1:
		return "separate colour planes (PlanarConfiguration 2)"
	case !same || (bps != 1 && bps != 8 && bps != 16):
		return fmt.Sprintf("%d-bit samples", bps)
	}
	switch t.photometric {
	case 0, 1:
		if t.spp != 1 {
			return "extra samples"
		}
	case 2:
		if bps == 1 {
			return "1-bit RGB"
		}
		switch {
		case t.spp == 3:
		case t.spp == 4 && len(t.extra) == 1 && (t.extra[0] == 1 || t.extra[0] == 2):
		default:
			return "extra samples"
		}
	case 3:
		if bps != 8 && bps != 1 || t.spp != 1 {
			return fmt.Sprintf("%d-bit palette", bps)
		}
	case 5:
		return "CMYK"
	case 6:
		return "YCbCr"
	case 8, 9, 10:
		return "CIE L*a*b*"
	default:
		return fmt.Sprintf("PhotometricInterpretation %d", t.photometric)
	}
	switch t.compression {
	case 1, 5, 8, 32946, 32773: // none, LZW, Deflate, old Deflate, PackBits
	case 3, 4:
		// x/image's CCITT decoder inverts BlackIsZero images.
		if t.photometric != 0 {
			return "CCITT compression of a BlackIsZero image"
		}
		if t.compression == 3 && t.t4Options&1 != 0 {
			return "CCITT G3 2-D compression"
		}
	default:
		return tiffCompressionName(t.compression)
	}
	if t.fillOrder == 2 && t.compression != 3 && t.compression != 4 {
		return "FillOrder 2 (bits stored least significant first)"
	}
	if t.predictor != 1 && (t.predictor != 2 || bps == 1) {
		return fmt.Sprintf("predictor %d", t.predictor)
	}
	return ""
}

func tiffCompressionName(c int) string {
	switch c {
	case 2:
		return "CCITT RLE compression"
	case 6:
		return "old-style JPEG compression"
	case 7:
		return "JPEG compression"
	case 34925:
		return "LZMA compression"
	case 50000:
		return "ZSTD compression"
	case 50001:
		return "WebP compression"
	case 34887, 34676, 34677:
		return fmt.Sprintf("compression %d (LERC, SGI Log)", c)
	}
	return fmt.Sprintf("compression %d", c)
}

// tiffConfig reads a TIFF's size for the pixel budget: from its first
// IFD, or, for BigTIFF, from libtiff.
func tiffConfig(data []byte) (image.Config, error) {
	if t, ok := readTIFFLayout(data); ok {
		if t.width <= 0 || t.height <= 0 {
			// Let x/image say what is wrong with the header.
			return tiff.DecodeConfig(bytes.NewReader(data))
		}
		return image.Config{Width: t.width, Height: t.height}, nil
	}
	lib, err := tiffLib()
	if err != nil {
		return image.Config{}, fmt.Errorf("%w: BigTIFF %s: %w", ErrUnsupported, tiffNeedsLib, err)
	}
	c, err := lib.DecodeConfig(data)
	if err != nil {
		return image.Config{}, tiffError(err)
	}
	return image.Config{Width: c.Width, Height: c.Height}, nil
}

// decodeTIFF decodes the first image of a TIFF with libtiff or x/image
// (see tiffAllLibTIFF), and returns the decoder's name. Variants x/image
// cannot read right are refused when libtiff is absent. CMYK is converted
// to RGB with Pillow's formula, and pic.ICC then dropped. A BigTIFF's ICC
// profile and orientation, which readMeta does not see, are taken from
// libtiff (and pic's size turned with the orientation unless keep).
func decodeTIFF(data []byte, budget int64, pic *Picture, keep bool) (image.Image, string, error) {
	t, classic := readTIFFLayout(data)
	variant := "BigTIFF"
	if classic {
		variant = t.variant()
	}
	lib, libErr := tiffLib()
	if lib == nil && variant != "" {
		return nil, "", fmt.Errorf("%w: TIFF with %s %s: %w", ErrUnsupported, variant, tiffNeedsLib, libErr)
	}
	if lib == nil || variant == "" && !tiffAllLibTIFF {
		img, err := tiff.Decode(bytes.NewReader(data))
		return img, "golang.org/x/image/tiff", err
	}
	img, err := lib.Decode(data, budget)
	if err != nil {
		if variant != "" && errors.Is(err, libtiff.ErrUnsupported) {
			err = fmt.Errorf("TIFF with %s: %w", variant, err)
		}
		return nil, "", tiffError(err)
	}
	if !classic {
		if c, err := lib.DecodeConfig(data); err == nil {
			pic.ICC = c.ICC
			if o := Orientation(c.Orientation); o.Valid() && pic.Orientation == OrientNormal {
				pic.Orientation = o
				if !keep && o.swapsAxes() {
					pic.Width, pic.Height = pic.Height, pic.Width
				}
			}
		}
	}
	if m, ok := img.(*image.CMYK); ok {
		img = pillowCMYKToRGB(m)
		pic.ICC = nil // a CMYK profile does not describe the RGB result
	}
	return img, lib.String(), nil
}

// tiffError makes libtiff's errors match imgproc's sentinels, as
// decodeError classifies them.
func tiffError(err error) error {
	switch {
	case errors.Is(err, libtiff.ErrUnsupported):
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	case errors.Is(err, libtiff.ErrTruncated):
		return fmt.Errorf("%w (%w)", err, io.ErrUnexpectedEOF)
	case errors.Is(err, libtiff.ErrTooLarge):
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	return err
}

// pillowCMYKToRGB converts CMYK to opaque RGB as Pillow's CMYK to RGB
// conversion does (Convert.c, cmyk2rgb): each channel is
// 255 - k - c(255 - k)/255, the product rounded as Pillow's MULDIV255
// rounds it. (image/color's CMYKToRGB differs by one in about 30 % of the
// cases.)
func pillowCMYKToRGB(m *image.CMYK) *image.RGBA {
	r := m.Rect
	out := image.NewRGBA(r)
	mul := func(a, b int) int { t := a*b + 128; return ((t >> 8) + t) >> 8 }
	for y := 0; y < r.Dy(); y++ {
		src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:4*r.Dx()]
		dst := out.Pix[y*out.Stride:][:4*r.Dx()]
		for i := 0; i < len(src); i += 4 {
			nk := 255 - int(src[i+3])
			dst[i] = byte(max(nk-mul(int(src[i]), nk), 0))
			dst[i+1] = byte(max(nk-mul(int(src[i+1]), nk), 0))
			dst[i+2] = byte(max(nk-mul(int(src[i+2]), nk), 0))
			dst[i+3] = 255
		}
	}
	return out
}
