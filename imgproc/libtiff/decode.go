package libtiff

import (
	"encoding/binary"
	"fmt"
	"image"
	"math"
	"runtime"
	"strings"
	"unsafe"
)

// Decode decodes the first image of a TIFF file, as stored (the
// orientation is not applied; see [Config].Orientation). It returns
// *image.Gray or *image.Gray16 for grey images, *image.RGBA or
// *image.RGBA64 for opaque colour and for associated (premultiplied) alpha,
// *image.NRGBA or *image.NRGBA64 for unassociated alpha, and *image.CMYK
// for CMYK, as the package documentation details. An image of more than
// maxPixels pixels (when maxPixels > 0) is refused, from the header, with
// an error wrapping ErrTooLarge.
func (l *Lib) Decode(data []byte, maxPixels int64) (image.Image, error) {
	t, err := l.open(data, maxPixels)
	if err != nil {
		return nil, err
	}
	defer t.close()
	c := l.config(t.tif)
	if c.Width <= 0 || c.Height <= 0 {
		return nil, t.fail("read header", fmt.Errorf("image is %dx%d", c.Width, c.Height))
	}
	if maxPixels > 0 && int64(c.Width)*int64(c.Height) > maxPixels {
		return nil, fmt.Errorf("libtiff: %w: %dx%d is over the limit of %d pixels", ErrTooLarge, c.Width, c.Height, maxPixels)
	}
	if int64(c.Width)*int64(c.Height) > math.MaxInt32 {
		return nil, fmt.Errorf("libtiff: %w: %dx%d", ErrTooLarge, c.Width, c.Height)
	}
	if l, ok := samplesLayout(c); ok {
		return t.decodeSamples(c, l)
	}
	if c.Photometric == PhotometricSeparated && c.SamplesPerPixel > 4 {
		return nil, fmt.Errorf("libtiff: decode: %w: CMYK with %d extra samples", ErrUnsupported, c.SamplesPerPixel-4)
	}
	return t.decodeRGBA(c)
}

// layout says how decodeSamples maps stored samples to pixels.
type layout struct {
	colours int  // 1 grey, 3 RGB, 4 CMYK
	alpha   int  // index of the alpha sample, or -1
	assoc   bool // alpha is associated (premultiplied)
	deep    bool // 16 bits a channel out
	lab     bool // L*a*b*, converted to sRGB
}

// samplesLayout reports whether c is an image decodeSamples reads: grey,
// RGB or CMYK, 8, 12, 16, 32 or 64 bits a sample (unsigned, signed or
// floating point as the depth allows), not YCbCr-coded JPEG or old-style
// JPEG (those go through libtiff's RGBA interface).
func samplesLayout(c Config) (layout, bool) {
	var lay layout
	switch {
	case c.Photometric == PhotometricMinIsBlack || c.Photometric == PhotometricMinIsWhite:
		lay.colours = 1
	case c.Photometric == PhotometricRGB:
		lay.colours = 3
	case c.Photometric == PhotometricSeparated && c.InkSet == 1 && c.SamplesPerPixel == 4:
		lay.colours = 4
	case c.Photometric == PhotometricCIELab || c.Photometric == PhotometricICCLab:
		lay.colours, lay.lab = 3, true
		if c.BitsPerSample != 8 && c.BitsPerSample != 16 {
			return lay, false
		}
	default:
		return lay, false
	}
	if c.SamplesPerPixel < lay.colours || c.Compression == compressionOJPEG {
		return lay, false
	}
	switch bps, sf := c.BitsPerSample, c.SampleFormat; {
	case sf == SampleUnsigned && (bps == 8 || bps == 12 || bps == 16 || bps == 32):
		lay.deep = bps > 8 && lay.colours != 4 // CMYK: the high byte, as Pillow reads it
	case sf == SampleSigned && (bps == 8 || bps == 16 || bps == 32):
		lay.deep = bps > 8
	case sf == SampleFloat && (bps == 32 || bps == 64):
	default:
		return lay, false
	}
	if lay.colours == 4 && c.BitsPerSample != 8 && c.BitsPerSample != 16 {
		return lay, false
	}
	lay.alpha = -1
	if alpha, assoc := c.Alpha(); alpha && c.SamplesPerPixel > lay.colours {
		lay.alpha, lay.assoc = lay.colours, assoc
	}
	return lay, true
}

// decodeSamples reads the strips or tiles with libtiff's decoders and
// places the samples itself.
func (t *handle) decodeSamples(c Config, lay layout) (image.Image, error) {
	w, h := c.Width, c.Height
	r := image.Rect(0, 0, w, h)
	var img image.Image
	var pix []byte
	var stride, nch int // bytes per row and channels per pixel of the output
	bpc := 1            // bytes per channel
	if lay.deep {
		bpc = 2
	}
	switch {
	case lay.colours == 4:
		m := image.NewCMYK(r)
		img, pix, stride, nch = m, m.Pix, m.Stride, 4
	case lay.colours == 1 && lay.alpha < 0 && !lay.deep:
		m := image.NewGray(r)
		img, pix, stride, nch = m, m.Pix, m.Stride, 1
	case lay.colours == 1 && lay.alpha < 0:
		m := image.NewGray16(r)
		img, pix, stride, nch = m, m.Pix, m.Stride, 1
	case lay.alpha >= 0 && !lay.assoc && !lay.deep:
		m := image.NewNRGBA(r)
		img, pix, stride, nch = m, m.Pix, m.Stride, 4
	case lay.alpha >= 0 && !lay.assoc:
		m := image.NewNRGBA64(r)
		img, pix, stride, nch = m, m.Pix, m.Stride, 4
	case !lay.deep:
		m := image.NewRGBA(r)
		img, pix, stride, nch = m, m.Pix, m.Stride, 4
	default:
		m := image.NewRGBA64(r)
		img, pix, stride, nch = m, m.Pix, m.Stride, 4
	}
	if nch == 4 && lay.alpha < 0 && lay.colours != 4 {
		for i := 3 * bpc; i < len(pix); i += 4 * bpc {
			pix[i] = 0xff
			if bpc == 2 {
				pix[i+1] = 0xff
			}
		}
	}
	// chans[i] lists the output channels stored sample i goes to.
	spp := c.SamplesPerPixel
	chans := make([][]int, spp)
	for i := range lay.colours {
		chans[i] = []int{i}
		if lay.colours == 1 && nch == 4 {
			chans[i] = []int{0, 1, 2}
		}
	}
	if lay.alpha >= 0 {
		chans[lay.alpha] = []int{3}
	}
	cs := c
	if lay.lab {
		cs.SampleFormat = SampleUnsigned // a* and b* are placed as stored
	}
	conv := sampleConverter(cs, lay)
	// MinIsWhite: the colour sample is inverted, alpha is not.
	invert := make([]bool, spp)
	invert[0] = c.Photometric == PhotometricMinIsWhite
	top := uint16(0xff)
	if lay.deep {
		top = 0xffff
	}

	planes, perPlane := 1, spp
	if c.PlanarConfig == 2 && spp > 1 {
		planes, perPlane = spp, 1
	}
	bps := c.BitsPerSample
	// The blocks (strips or tiles) of one plane, and their size in pixels.
	bw, bh := w, 0
	var blocks int
	var size int64
	if c.Tiled {
		var tw, th uint32
		t.l.getField(t.tif, tagTileWidth, unsafe.Pointer(&tw), nil)
		t.l.getField(t.tif, tagTileLength, unsafe.Pointer(&th), nil)
		if tw == 0 || th == 0 {
			return nil, t.fail("decode", fmt.Errorf("tiles of %dx%d", tw, th))
		}
		bw, bh = int(tw), int(th)
		if int64(bw)*int64(bh) > 4*int64(w)*int64(h)+1<<16 {
			return nil, t.fail("decode", fmt.Errorf("tiles of %dx%d for a %dx%d image", bw, bh, w, h))
		}
		blocks = int(t.l.fn.numberOfTiles(t.tif))
		size = t.l.fn.tileSize(t.tif)
	} else {
		var rps uint32
		if t.l.getField(t.tif, tagRowsPerStrip, unsafe.Pointer(&rps), nil) == 0 || int64(rps) > int64(h) || rps == 0 {
			rps = uint32(h)
		}
		bh = int(rps)
		blocks = int(t.l.fn.numberOfStrips(t.tif))
		size = t.l.fn.stripSize(t.tif)
	}
	across, down := (w+bw-1)/bw, (h+bh-1)/bh
	if blocks < across*down*planes {
		return nil, t.fail("decode", fmt.Errorf("%d strips or tiles, want %d", blocks, across*down*planes))
	}
	rowBytes := (bw*perPlane*bps + 7) / 8
	if size <= 0 || size < int64(rowBytes) || size > int64(rowBytes)*int64(bh)+64 {
		return nil, t.fail("decode", fmt.Errorf("strip or tile of %d bytes for %d rows of %d", size, bh, rowBytes))
	}
	buf := make([]byte, size)
	vals := make([]uint16, bw*perPlane)
	// The common interleaved layouts are placed by loops of their own:
	// fast from converted values, place8 from unsigned 8-bit samples.
	var fast func(dst []byte, vals []uint16)
	var place8, place16 func(dst, src []byte)
	if planes == 1 && !invert[0] && (nch == 1 && spp == 1 || nch == 4 && lay.colours >= 3 && (spp == 3 || lay.alpha == 3 || lay.colours == 4)) {
		fast = placeFast(nch, spp, bpc)
		if bps == 8 && cs.SampleFormat == SampleUnsigned {
			place8 = placeFast8(nch, spp)
		}
		if bps == 16 && cs.SampleFormat == SampleUnsigned && lay.deep {
			place16 = placeFast16(nch, spp)
		}
	}
	raw8 := place8 != nil
	for p := range planes {
		for by := range down {
			for bx := range across {
				n := int64(0)
				block := uint32(p*across*down + by*across + bx)
				if c.Tiled {
					n = t.l.fn.readEncodedTile(t.tif, block, pointer(buf), size)
				} else {
					n = t.l.fn.readEncodedStrip(t.tif, block, pointer(buf), size)
				}
				runtime.KeepAlive(buf)
				if n < 0 {
					return nil, t.fail("decode", nil)
				}
				x0, y0 := bx*bw, by*bh
				cols := min(bw, w-x0)
				for row := range min(bh, h-y0) {
					src := buf[row*rowBytes:]
					if int64((row+1)*rowBytes) > n {
						return nil, t.fail("decode", fmt.Errorf("%w: strip or tile %d has %d bytes, want %d", ErrTruncated, block, n, (min(bh, h-y0))*rowBytes))
					}
					o := (y0+row)*stride + x0*nch*bpc
					dst := pix[o : o+cols*nch*bpc]
					if raw8 {
						place8(dst, src[:cols*perPlane])
						continue
					}
					if place16 != nil {
						place16(dst, src[:2*cols*perPlane])
						continue
					}
					conv(src[:rowBytes], vals[:cols*perPlane])
					if fast != nil {
						fast(dst, vals[:cols*perPlane])
						continue
					}
					for x := range cols {
						for s := range perPlane {
							v := vals[x*perPlane+s]
							if invert[p*perPlane+s] {
								v = top - v
							}
							for _, ch := range chans[p*perPlane+s] {
								i := (x*nch + ch) * bpc
								if bpc == 2 {
									dst[i], dst[i+1] = byte(v>>8), byte(v)
								} else {
									dst[i] = byte(v)
								}
							}
						}
					}
				}
			}
		}
	}
	if lay.lab {
		labToRGB(pix, lay.deep, c.Photometric == PhotometricICCLab)
	}
	return img, nil
}

// sampleConverter returns a function that turns one row of stored
// samples (as libtiff decodes them: native byte order for 16, 32 and 64
// bits, packed most significant bit first for 12) into output values:
// 0-255 for 8-bit output, 0-65535 for deep output.
func sampleConverter(c Config, lay layout) func(src []byte, out []uint16) {
	ne := binary.NativeEndian
	var f func(src []byte, out []uint16)
	switch bps, sf := c.BitsPerSample, c.SampleFormat; {
	case bps == 8 && sf == SampleUnsigned:
		f = func(src []byte, out []uint16) {
			for i := range out {
				out[i] = uint16(src[i])
			}
		}
	case bps == 8: // signed
		f = func(src []byte, out []uint16) {
			for i := range out {
				out[i] = uint16(max(int8(src[i]), 0))
			}
		}
	case bps == 12:
		f = func(src []byte, out []uint16) {
			for i := range out {
				b := i * 3 / 2
				var v uint16
				if i%2 == 0 {
					v = uint16(src[b])<<4 | uint16(src[b+1])>>4
				} else {
					v = uint16(src[b]&0x0f)<<8 | uint16(src[b+1])
				}
				out[i] = v<<4 | v>>8
			}
		}
	case bps == 16 && sf == SampleUnsigned && lay.colours == 4:
		f = func(src []byte, out []uint16) {
			for i := range out {
				out[i] = ne.Uint16(src[2*i:]) >> 8
			}
		}
	case bps == 16 && sf == SampleUnsigned:
		f = func(src []byte, out []uint16) {
			for i := range out {
				out[i] = ne.Uint16(src[2*i:])
			}
		}
	case bps == 16: // signed
		f = func(src []byte, out []uint16) {
			for i := range out {
				out[i] = uint16(max(int16(ne.Uint16(src[2*i:])), 0))
			}
		}
	case bps == 32 && sf == SampleUnsigned:
		f = func(src []byte, out []uint16) {
			for i := range out {
				out[i] = uint16(min(ne.Uint32(src[4*i:]), 0xffff))
			}
		}
	case bps == 32 && sf == SampleSigned:
		f = func(src []byte, out []uint16) {
			for i := range out {
				out[i] = uint16(min(max(int32(ne.Uint32(src[4*i:])), 0), 0xffff))
			}
		}
	case bps == 32: // float
		f = func(src []byte, out []uint16) {
			for i := range out {
				out[i] = floatTo8(float64(math.Float32frombits(ne.Uint32(src[4*i:]))))
			}
		}
	default: // 64-bit float
		f = func(src []byte, out []uint16) {
			for i := range out {
				out[i] = floatTo8(math.Float64frombits(ne.Uint64(src[8*i:])))
			}
		}
	}
	return f
}

// floatTo8 clips a floating-point sample to [0, 255] and truncates it, as
// Pillow converts "F" to "L" and libvips casts float to uchar.
func floatTo8(v float64) uint16 {
	switch {
	case !(v > 0): // NaN too
		return 0
	case v >= 255:
		return 255
	}
	return uint16(v)
}

// decodeRGBA reads the image through libtiff's RGBA interface.
func (t *handle) decodeRGBA(c Config) (image.Image, error) {
	var emsg [1024]byte
	if t.l.fn.rgbaImageOK(t.tif, &emsg[0]) == 0 {
		return nil, fmt.Errorf("libtiff: decode: %w: %s", ErrUnsupported, cString(&emsg[0], len(emsg)))
	}
	w, h := c.Width, c.Height
	raster := make([]uint32, w*h)
	// Asking for the file's own orientation leaves the rows and columns
	// as stored; the caller applies the orientation.
	if t.l.fn.readRGBAOriented(t.tif, uint32(w), uint32(h), pointer(raster), int32(c.Orientation), 1) == 0 {
		var cause error
		if len(t.src.errs) > 0 && strings.Contains(t.src.errs[0], "Sorry, can not handle") {
			cause = fmt.Errorf("%w: %d-bit samples, %d a pixel, photometric %d", ErrUnsupported, c.BitsPerSample, c.SamplesPerPixel, c.Photometric)
		}
		return nil, t.fail("decode", cause)
	}
	runtime.KeepAlive(raster)
	alpha, _ := c.Alpha()
	r := image.Rect(0, 0, w, h)
	if !alpha && (c.Photometric == PhotometricMinIsBlack || c.Photometric == PhotometricMinIsWhite) {
		m := image.NewGray(r)
		for i, p := range raster {
			m.Pix[i] = byte(p)
		}
		return m, nil
	}
	m := image.NewRGBA(r)
	for i, p := range raster {
		d := m.Pix[4*i : 4*i+4 : 4*i+4]
		d[0], d[1], d[2], d[3] = byte(p), byte(p>>8), byte(p>>16), byte(p>>24)
	}
	return m, nil
}

// placeFast returns the loop placing a row of converted values of
// interleaved pixels of spp samples into output pixels of nch channels of
// bpc bytes: grey (nch 1, spp 1), or RGB(A) and CMYK (nch 4) whose first
// three or four samples are the channels (a fourth channel absent when
// spp is 3: the output's alpha is already opaque).
func placeFast(nch, spp, bpc int) func(dst []byte, vals []uint16) {
	n := min(spp, nch)
	if bpc == 1 {
		return func(dst []byte, vals []uint16) {
			for x, i := 0, 0; i+spp <= len(vals); x, i = x+nch, i+spp {
				d, v := dst[x:x+n:x+n], vals[i:i+n:i+n]
				for k := range d {
					d[k] = byte(v[k])
				}
			}
		}
	}
	return func(dst []byte, vals []uint16) {
		for x, i := 0, 0; i+spp <= len(vals); x, i = x+2*nch, i+spp {
			d, v := dst[x:x+2*n:x+2*n], vals[i:i+n:i+n]
			for k, s := range v {
				binary.BigEndian.PutUint16(d[2*k:], s)
			}
		}
	}
}

// placeFast8 is placeFast for unsigned 8-bit samples, placed as they are.
func placeFast8(nch, spp int) func(dst, src []byte) {
	switch {
	case nch == 1:
		return func(dst, src []byte) { copy(dst, src) }
	case spp == 3:
		return func(dst, src []byte) {
			for x, i := 0, 0; i+3 <= len(src); x, i = x+4, i+3 {
				d, s := dst[x:x+3:x+3], src[i:i+3:i+3]
				d[0], d[1], d[2] = s[0], s[1], s[2]
			}
		}
	case spp == 4:
		return func(dst, src []byte) { copy(dst, src) }
	}
	return func(dst, src []byte) {
		for x, i := 0, 0; i+spp <= len(src); x, i = x+4, i+spp {
			copy(dst[x:x+4], src[i:i+4])
		}
	}
}

// placeFast16 is placeFast for unsigned 16-bit samples in the machine's
// byte order, as libtiff gives them, placed big-endian.
func placeFast16(nch, spp int) func(dst, src []byte) {
	n := 2 * min(spp, nch)
	if binary.NativeEndian.Uint16([]byte{0, 1}) == 1 { // big-endian machine
		return func(dst, src []byte) {
			for x, i := 0, 0; i+2*spp <= len(src); x, i = x+2*nch, i+2*spp {
				copy(dst[x:x+n], src[i:i+n])
			}
		}
	}
	return func(dst, src []byte) {
		for x, i := 0, 0; i+2*spp <= len(src); x, i = x+2*nch, i+2*spp {
			d, s := dst[x:x+n:x+n], src[i:i+n:i+n]
			for k := 1; k < len(d); k += 2 {
				d[k-1], d[k] = s[k], s[k-1]
			}
		}
	}
}
