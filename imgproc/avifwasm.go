package imgproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math/big"
	"sync/atomic"

	"github.com/gen2brain/avif"
)

// The portable AVIF codec, for systems without libheif: libavif 1.1.1 with
// libaom 3.10.0 (both the encoder and the decoder; no dav1d), compiled to
// WebAssembly by github.com/gen2brain/avif v0.4.4 and run in pure Go by
// wazero. Native libheif stays the first choice; this runs only when
// libheif cannot be loaded (or, for writing, has no AV1 encoder). The
// package documentation (doc.go, "AVIF without libheif") gives what it
// costs; in short, on the 12 W-web photos at 800×500 and quality 50, on 2
// cores: 1.8 times libheif's time for all of them (1.9 times on one core),
// 0.4 % less data, 0.2 dB less, and 1.3 to 2 s per process to compile the
// encoder on its first use.
//
// HEIC has no such fallback: the WebAssembly HEIC decoders
// (github.com/gen2brain/heic) embed libheif and libde265, which are
// LGPL-3, statically, and HEVC is covered by patents, so HEIC is read with
// the system's libheif only.

// avifWASMSpeed is the libaom speed (cpu-used, 0 slowest to 10) of the
// portable encoder. The native path uses 5 (libvips' and sharp's default
// effort), but in WebAssembly (no SIMD, no threads) speed 5 took 8 to 9.5
// s on an 800×500 photo against 1.3 s at speed 6, whose file was 6 %
// smaller and 0.2 dB worse; speed 6 is libheif's own default. Speed 7 took
// 0.4 to 0.8 s and speed 8 0.2 to 0.4 s, for about 0.6 and 1 dB less.
const avifWASMSpeed = 6

// forceAVIFWASM makes AVIF go through the portable codec even where
// libheif loads, so that tests can check it on any machine. Only tests set
// it.
var forceAVIFWASM atomic.Bool

// avifPortable names the portable AVIF codec, with more (starting "; ")
// added inside its parenthesis. The wrapper runs the system's libavif
// instead of its WebAssembly build when the process can open an
// unversioned libavif.so (a -dev package) of version 1.1 or later;
// Debian 12's libavif 0.11 is refused, and the WebAssembly build runs.
func avifPortable(more string) string {
	if avif.Dynamic() == nil {
		return "the system's libavif (libavif.so, loaded by github.com/gen2brain/avif" + more + ")"
	}
	return "libavif 1.1.1 with libaom 3.10.0 compiled to WebAssembly (github.com/gen2brain/avif, run by wazero" + more + ")"
}

// avifPortableCost says what the portable encoder costs, for [AVIFInfo],
// ending in "; " (nothing when the wrapper runs the system's libavif).
func avifPortableCost() string {
	if avif.Dynamic() == nil {
		return ""
	}
	return "about twice libheif's time per image, and 1.3 to 2 s to compile on first use in each process; "
}

// encodeAVIFWASM encodes img as AVIF with the portable codec, at quality
// on libheif's scale (both map it to libaom's quantizer as (100-quality) ×
// 63 / 100, rounded), 4:2:0 chroma as libheif's default, alpha at the same
// quality; icc, if not nil, is added to the file as a colr box afterwards,
// since the wrapper cannot write one. A panic in the wrapper (it panics if
// the module does not compile) is returned as an error.
func encodeAVIFWASM(img image.Image, quality int, icc []byte) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("avif (%s) panicked: %v", avifPortable(""), r)
		}
	}()
	// The wrapper takes an *image.RGBA's Pix as rows of exactly its width
	// and premultiplies anything else into a new one (opaque straight and
	// premultiplied pixels are the same bytes).
	switch m := img.(type) {
	case *image.NRGBA:
		if m.Opaque() {
			img = tightRGBA(m.Pix, m.Stride, m.Rect)
		}
	case *image.RGBA:
		img = tightRGBA(m.Pix, m.Stride, m.Rect)
	}
	var buf bytes.Buffer
	opts := avif.Options{Quality: quality, QualityAlpha: quality, Speed: avifWASMSpeed, ChromaSubsampling: image.YCbCrSubsampleRatio420}
	if err := avif.Encode(&buf, img, opts); err != nil {
		return nil, fmt.Errorf("libavif: %w", err)
	}
	data = buf.Bytes()
	if len(icc) > 0 {
		return heifWithProperty(data, colrProf(icc), false)
	}
	return data, nil
}

// tightRGBA returns the 4-byte pixels pix of the rectangle r, rows stride
// bytes apart, as an *image.RGBA whose rows are exactly 4×r.Dx() bytes
// apart: the same memory if they already are, else a copy.
func tightRGBA(pix []byte, stride int, r image.Rectangle) *image.RGBA {
	w, h := r.Dx(), r.Dy()
	if stride == 4*w {
		return &image.RGBA{Pix: pix, Stride: stride, Rect: r}
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	copyRows(out.Pix, out.Stride, pix, stride, 4*w, h)
	return out
}

// decodeConfigAVIFWASM reads the size of an AVIF's primary image as it
// will be decoded, its rotation, mirroring and crop applied, without
// decoding pixels.
func decodeConfigAVIFWASM(data []byte) (image.Config, error) {
	h, err := parseHEIF(data)
	if err != nil {
		return image.Config{}, err
	}
	cfg, err := avif.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return image.Config{}, fmt.Errorf("libavif: %w", err)
	}
	w, ht, err := h.transformedSize(cfg.Width, cfg.Height)
	return image.Config{Width: w, Height: ht}, err
}

// decodeAVIFWASM decodes an AVIF's primary image with the portable codec
// and returns it as libheif's path does: an opaque *image.RGBA or an
// *image.NRGBA, 8 bits a sample (deeper samples rounded), with the HEIF
// clean aperture, rotation and mirroring applied in the file's order
// (libavif leaves them to the caller), and its ICC profile or nil. The
// wrapper hands over premultiplied pixels, so colour under very low alpha
// is less precise than libheif's. Check the size with
// decodeConfigAVIFWASM first.
func decodeAVIFWASM(data []byte) (image.Image, []byte, error) {
	h, err := parseHEIF(data)
	if err != nil {
		return nil, nil, err
	}
	img, err := avif.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, nil, fmt.Errorf("libavif: %w", err)
	}
	if img, err = h.transform(fromAVIFWASM(img)); err != nil {
		return nil, nil, err
	}
	return img, h.icc(), nil
}

// fromAVIFWASM turns the wrapper's premultiplied *image.RGBA or
// *image.RGBA64 into an opaque *image.RGBA or a straight *image.NRGBA.
func fromAVIFWASM(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.RGBA:
		if m.Opaque() {
			return m
		}
	case *image.RGBA64:
		r := m.Rect
		out := image.NewNRGBA(r)
		opaque := true
		for y := 0; y < r.Dy(); y++ {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:8*r.Dx()]
			dst := out.Pix[y*out.Stride:][:4*r.Dx()]
			for x := range r.Dx() {
				s := src[8*x:]
				a := uint64(binary.BigEndian.Uint16(s[6:]))
				for c := range 3 {
					v := uint64(binary.BigEndian.Uint16(s[2*c:]))
					switch a {
					case 0xffff:
					case 0:
						v = 0
					default:
						v = min((v*0xffff+a/2)/a, 0xffff)
					}
					dst[4*x+c] = byte((v*255 + 0x7fff) / 0xffff)
				}
				dst[4*x+3] = byte((a*255 + 0x7fff) / 0xffff)
				opaque = opaque && a == 0xffff
			}
		}
		if opaque {
			return &image.RGBA{Pix: out.Pix, Stride: out.Stride, Rect: out.Rect}
		}
		return out
	}
	return toNRGBA(img)
}

// errHEIFShort is the cause of a HEIF box that runs past the end of the data.
var errHEIFShort = errors.New("heif: a box runs past the end of the data")

// heifBox is one ISO BMFF box: its type and where its header, payload and
// end are in the file.
type heifBox struct {
	typ              string
	start, body, end int
}

// heifBoxes returns the boxes in data[start:end], in order. A box that
// declares more bytes than end leaves is an error wrapping errHEIFShort;
// size 0 (to the end of the file) is allowed at the top level only.
func heifBoxes(data []byte, start, end int) ([]heifBox, error) {
	var boxes []heifBox
	for p := start; p < end; {
		if end-p < 8 {
			return nil, fmt.Errorf("%w: %d bytes of box header at %d", errHEIFShort, end-p, p)
		}
		size, hdr := uint64(binary.BigEndian.Uint32(data[p:])), 8
		switch size {
		case 0: // to the end of the file: only at the top level
			if start != 0 || end != len(data) {
				return nil, fmt.Errorf("heif: box %q at %d inside another has size 0", data[p+4:p+8], p)
			}
			size = uint64(end - p)
		case 1:
			if end-p < 16 {
				return nil, fmt.Errorf("%w: %d bytes of box header at %d", errHEIFShort, end-p, p)
			}
			size, hdr = binary.BigEndian.Uint64(data[p+8:]), 16
		}
		if size < uint64(hdr) {
			return nil, fmt.Errorf("heif: box %q at %d has size %d", data[p+4:p+8], p, size)
		}
		if size > uint64(end-p) {
			return nil, fmt.Errorf("%w: box %q at %d has size %d, %d bytes left", errHEIFShort, data[p+4:p+8], p, size, end-p)
		}
		boxes = append(boxes, heifBox{typ: string(data[p+4 : p+8]), start: p, body: p + hdr, end: p + int(size)})
		p += int(size)
	}
	return boxes, nil
}

// heifComplete reports whether every top-level box of a HEIF file ends
// within the data: a file cut short has its last box (usually mdat) run
// past the end.
func heifComplete(data []byte) bool {
	_, err := heifBoxes(data, 0, len(data))
	return !errors.Is(err, errHEIFShort)
}

// heifFile is what a HEIF file's meta box says of its primary image: the
// boxes that hold the item properties and locations, and the primary
// item's properties in the order of their association.
type heifFile struct {
	data                         []byte
	meta, iprp, ipco, ipma, iloc heifBox
	hasTrack                     bool // an image sequence, with a moov box
	props                        []heifBox
	primary                      []heifBox // the primary item's properties, in order
	countAt                      int       // offset of the primary item's association count in ipma
	assocEnd                     int       // offset just past its last association
	wideAssoc                    bool      // ipma flags bit 0: 2-byte associations
}

// parseHEIF reads the meta box of a HEIF (AVIF or HEIC) file.
func parseHEIF(data []byte) (*heifFile, error) {
	top, err := heifBoxes(data, 0, len(data))
	if err != nil {
		return nil, err
	}
	h := &heifFile{data: data}
	for _, b := range top {
		switch b.typ {
		case "meta":
			h.meta = b
		case "moov":
			h.hasTrack = true
		}
	}
	if h.meta.typ == "" || h.meta.end-h.meta.body < 4 {
		return nil, errors.New("heif: no meta box")
	}
	inner, err := heifBoxes(data, h.meta.body+4, h.meta.end) // meta is a full box
	if err != nil {
		return nil, err
	}
	primaryID := -1
	for _, b := range inner {
		body := data[b.body:b.end]
		switch b.typ {
		case "pitm":
			switch {
			case len(body) >= 6 && body[0] == 0:
				primaryID = int(binary.BigEndian.Uint16(body[4:]))
			case len(body) >= 8:
				primaryID = int(binary.BigEndian.Uint32(body[4:]))
			}
		case "iloc":
			h.iloc = b
		case "iprp":
			h.iprp = b
		}
	}
	if primaryID < 0 || h.iprp.typ == "" {
		return nil, errors.New("heif: no primary item or no item properties")
	}
	iprp, err := heifBoxes(data, h.iprp.body, h.iprp.end)
	if err != nil {
		return nil, err
	}
	for _, b := range iprp {
		switch b.typ {
		case "ipco":
			if h.ipco.typ == "" {
				h.ipco = b
			}
		case "ipma":
			if h.ipma.typ == "" {
				h.ipma = b
			}
		}
	}
	if h.ipco.typ == "" || h.ipma.typ == "" {
		return nil, errors.New("heif: no ipco or ipma box")
	}
	if h.props, err = heifBoxes(data, h.ipco.body, h.ipco.end); err != nil {
		return nil, err
	}
	if err := h.readIPMA(primaryID); err != nil {
		return nil, err
	}
	return h, nil
}

// readIPMA finds the primary item's property associations.
func (h *heifFile) readIPMA(primaryID int) error {
	body := h.data[h.ipma.body:h.ipma.end]
	bad := errors.New("heif: malformed ipma box")
	if len(body) < 8 {
		return bad
	}
	version, wide := body[0], body[3]&1 != 0
	h.wideAssoc = wide
	n := binary.BigEndian.Uint32(body[4:])
	p := 8
	for range n {
		var id int
		if version < 1 {
			if p+2 > len(body) {
				return bad
			}
			id, p = int(binary.BigEndian.Uint16(body[p:])), p+2
		} else {
			if p+4 > len(body) {
				return bad
			}
			id, p = int(binary.BigEndian.Uint32(body[p:])), p+4
		}
		if p >= len(body) {
			return bad
		}
		count, countAt := int(body[p]), p
		p++
		size := 1
		if wide {
			size = 2
		}
		if p+count*size > len(body) {
			return bad
		}
		if id == primaryID && h.countAt == 0 {
			h.countAt, h.assocEnd = h.ipma.body+countAt, h.ipma.body+p+count*size
			for i := range count {
				var index int
				if wide {
					index = int(binary.BigEndian.Uint16(body[p+2*i:]) & 0x7fff)
				} else {
					index = int(body[p+i] & 0x7f)
				}
				if index == 0 {
					continue // no property
				}
				if index > len(h.props) {
					return fmt.Errorf("heif: property %d of %d", index, len(h.props))
				}
				h.primary = append(h.primary, h.props[index-1])
			}
		}
		p += count * size
	}
	if h.countAt == 0 {
		return errors.New("heif: the primary item has no properties")
	}
	return nil
}

// icc returns the primary image's ICC profile (a colr box of type prof or
// rICC), or nil.
func (h *heifFile) icc() []byte {
	for _, b := range h.primary {
		if b.typ != "colr" || b.end-b.body <= 4 {
			continue
		}
		if c := h.data[b.body : b.body+4]; string(c) == "prof" || string(c) == "rICC" {
			return bytes.Clone(h.data[b.body+4 : b.end])
		}
	}
	return nil
}

// transformedSize returns the size of the primary image, stored at w×h,
// once its clean aperture and rotation are applied.
func (h *heifFile) transformedSize(w, ht int) (int, int, error) {
	for _, b := range h.primary {
		body := h.data[b.body:b.end]
		switch b.typ {
		case "clap":
			r, err := clapRect(body, w, ht)
			if err != nil {
				return 0, 0, err
			}
			w, ht = r.Dx(), r.Dy()
		case "irot":
			if len(body) > 0 && body[0]&1 != 0 {
				w, ht = ht, w
			}
		}
	}
	return w, ht, nil
}

// transform applies the primary image's transformative properties to img
// in the order the file associates them, as libheif does: clap crops,
// irot turns anticlockwise by quarter turns, imir mirrors (axis 0 exchanges
// top and bottom, 1 left and right, as ISO/IEC 23008-12:2022 says).
func (h *heifFile) transform(img image.Image) (image.Image, error) {
	var err error
	for _, b := range h.primary {
		body := h.data[b.body:b.end]
		switch b.typ {
		case "clap":
			var r image.Rectangle
			if r, err = clapRect(body, img.Bounds().Dx(), img.Bounds().Dy()); err == nil {
				img, err = Crop(img, r.Add(img.Bounds().Min))
			}
		case "irot":
			if len(body) < 1 {
				return nil, errors.New("heif: empty irot box")
			}
			if turns := body[0] & 3; turns != 0 {
				img, err = Orient(img, [4]Orientation{OrientNormal, OrientRotate270, OrientRotate180, OrientRotate90}[turns])
			}
		case "imir":
			if len(body) < 1 {
				return nil, errors.New("heif: empty imir box")
			}
			o := OrientFlipV
			if body[0]&1 != 0 {
				o = OrientFlipH
			}
			img, err = Orient(img, o)
		}
		if err != nil {
			return nil, err
		}
	}
	return img, nil
}

// clapRect returns the rectangle a clean aperture box keeps of a w×h
// image, rounded as libheif rounds it (left down, the rest to nearest) and
// clamped to the image.
func clapRect(body []byte, w, h int) (image.Rectangle, error) {
	if len(body) < 32 {
		return image.Rectangle{}, errors.New("heif: short clap box")
	}
	u := func(i int) int64 { return int64(binary.BigEndian.Uint32(body[4*i:])) }
	s := func(i int) int64 { return int64(int32(binary.BigEndian.Uint32(body[4*i:]))) }
	if u(1) == 0 || u(3) == 0 || u(5) == 0 || u(7) == 0 {
		return image.Rectangle{}, errors.New("heif: clap box with a zero denominator")
	}
	cw, ch := big.NewRat(u(0), u(1)), big.NewRat(u(2), u(3))
	one, half := big.NewRat(1, 1), big.NewRat(1, 2)
	// start is offset + (size-1)/2 - (clean-1)/2: the clean aperture's
	// first pixel, for a centre offset from the image's.
	start := func(offset *big.Rat, size int, clean *big.Rat) *big.Rat {
		r := new(big.Rat).Add(offset, big.NewRat(int64(size-1), 2))
		return r.Sub(r, new(big.Rat).Mul(new(big.Rat).Sub(clean, one), half))
	}
	floor := func(r *big.Rat) *big.Int {
		q, m := new(big.Int), new(big.Int)
		q.DivMod(r.Num(), r.Denom(), m) // Euclidean: the floor, the denominator being positive
		return q
	}
	round := func(r *big.Rat) *big.Int { return floor(new(big.Rat).Add(r, half)) }
	clamp := func(v *big.Int, hi int) int {
		switch {
		case v.Sign() < 0:
			return 0
		case v.Cmp(big.NewInt(int64(hi))) > 0:
			return hi
		}
		return int(v.Int64())
	}
	left := floor(start(big.NewRat(s(4), u(5)), w, cw))
	right := round(new(big.Rat).Add(new(big.Rat).Sub(cw, one), new(big.Rat).SetInt(left)))
	top := round(start(big.NewRat(s(6), u(7)), h, ch))
	bottom := round(new(big.Rat).Add(new(big.Rat).Sub(ch, one), new(big.Rat).SetInt(top)))
	x0, x1, y0, y1 := clamp(left, w-1), clamp(right, w-1), clamp(top, h-1), clamp(bottom, h-1)
	if x0 > x1 || y0 > y1 || left.Cmp(big.NewInt(int64(w))) >= 0 || top.Cmp(big.NewInt(int64(h))) >= 0 || right.Sign() < 0 || bottom.Sign() < 0 {
		return image.Rectangle{}, fmt.Errorf("heif: clean aperture outside the %dx%d image", w, h)
	}
	return image.Rect(x0, y0, x1+1, y1+1), nil
}

// colrProf returns a colr property box holding icc as an ICC profile.
func colrProf(icc []byte) []byte {
	return heifBoxBytes("colr", append([]byte("prof"), icc...))
}

// heifBoxBytes returns a box of type typ around body.
func heifBoxBytes(typ string, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 8+len(body)), uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

// heifWithProperty returns a copy of the HEIF file data with prop, a whole
// property box, added to its ipco box and associated with the primary item
// (marked essential if asked: HEIF wants its transformations so marked).
// The boxes around grow, and the item locations in iloc that point past
// the insertions move with the data. Image sequences (a moov box, whose
// chunk offsets are not rewritten) are refused.
func heifWithProperty(data, prop []byte, essential bool) ([]byte, error) {
	h, err := parseHEIF(data)
	if err != nil {
		return nil, err
	}
	switch {
	case h.hasTrack:
		return nil, errors.New("heif: cannot add a property to an image sequence")
	case h.iloc.typ == "":
		return nil, errors.New("heif: no iloc box")
	case data[h.countAt] == 255:
		return nil, errors.New("heif: the primary item has 255 properties already")
	}
	index := len(h.props) + 1
	var assoc []byte
	switch {
	case h.wideAssoc && index < 1<<15:
		v := uint16(index)
		if essential {
			v |= 1 << 15
		}
		assoc = binary.BigEndian.AppendUint16(nil, v)
	case !h.wideAssoc && index < 1<<7:
		v := byte(index)
		if essential {
			v |= 1 << 7
		}
		assoc = []byte{v}
	default:
		return nil, fmt.Errorf("heif: property index %d does not fit the ipma box", index)
	}
	type insertion struct {
		at    int
		bytes []byte
		grows []heifBox
	}
	ins := []insertion{
		{h.ipco.end, prop, []heifBox{h.meta, h.iprp, h.ipco}},
		{h.assocEnd, assoc, []heifBox{h.meta, h.iprp, h.ipma}},
	}
	if ins[1].at < ins[0].at {
		ins[0], ins[1] = ins[1], ins[0]
	}
	out := bytes.Clone(data)
	out[h.countAt]++
	for _, in := range ins {
		for _, b := range in.grows {
			if err := growBox(out, b, len(in.bytes)); err != nil {
				return nil, err
			}
		}
	}
	moved := func(p uint64) uint64 {
		for _, in := range ins {
			if uint64(in.at) <= p {
				p += uint64(len(in.bytes))
			}
		}
		return p
	}
	if err := h.moveILOC(out, moved); err != nil {
		return nil, err
	}
	res := make([]byte, 0, len(out)+len(prop)+len(assoc))
	prev := 0
	for _, in := range ins {
		res = append(append(res, out[prev:in.at]...), in.bytes...)
		prev = in.at
	}
	return append(res, out[prev:]...), nil
}

// growBox adds n to the size in the header of box b, in data.
func growBox(data []byte, b heifBox, n int) error {
	switch size := binary.BigEndian.Uint32(data[b.start:]); size {
	case 0: // to the end of the file, which moves too
	case 1:
		binary.BigEndian.PutUint64(data[b.start+8:], binary.BigEndian.Uint64(data[b.start+8:])+uint64(n))
	default:
		if uint64(size)+uint64(n) > 0xffffffff {
			return fmt.Errorf("heif: box %q would outgrow its 32-bit size", b.typ)
		}
		binary.BigEndian.PutUint32(data[b.start:], size+uint32(n))
	}
	return nil
}

// moveILOC rewrites, in data, the file offsets of the iloc box's items
// (construction method 0, in this file) to moved(offset): the item's base
// offset when it has one, else each extent's offset.
func (h *heifFile) moveILOC(data []byte, moved func(uint64) uint64) error {
	body := data[h.iloc.body:h.iloc.end]
	bad := errors.New("heif: malformed iloc box")
	if len(body) < 8 {
		return bad
	}
	version := body[0]
	if version > 2 {
		return fmt.Errorf("heif: iloc version %d", version)
	}
	offSize, lenSize, baseSize, idxSize := int(body[4]>>4), int(body[4]&15), int(body[5]>>4), int(body[5]&15)
	if version == 0 {
		idxSize = 0
	}
	for _, n := range []int{offSize, lenSize, baseSize, idxSize} {
		if n != 0 && n != 4 && n != 8 {
			return bad
		}
	}
	p := 6
	// field reads (or, with put, rewrites) an n-byte big-endian field at p
	// and moves p past it.
	field := func(n int, put func(at int, v uint64) error) (uint64, error) {
		if p+n > len(body) {
			return 0, bad
		}
		var v uint64
		switch n {
		case 2:
			v = uint64(binary.BigEndian.Uint16(body[p:]))
		case 4:
			v = uint64(binary.BigEndian.Uint32(body[p:]))
		case 8:
			v = binary.BigEndian.Uint64(body[p:])
		}
		at := p
		p += n
		if put != nil {
			return v, put(at, v)
		}
		return v, nil
	}
	idWidth := 2
	if version == 2 {
		idWidth = 4
	}
	move := func(n int) func(at int, v uint64) error {
		return func(at int, v uint64) error {
			switch nv := moved(v); {
			case nv == v:
			case n == 4 && nv <= 0xffffffff:
				binary.BigEndian.PutUint32(body[at:], uint32(nv))
			case n == 8:
				binary.BigEndian.PutUint64(body[at:], nv)
			default:
				return fmt.Errorf("heif: an item's offset would outgrow its %d-byte field", n)
			}
			return nil
		}
	}
	items, err := field(idWidth, nil)
	if err != nil {
		return err
	}
	for range items {
		if _, err := field(idWidth, nil); err != nil {
			return err
		}
		method := uint64(0)
		if version >= 1 {
			if method, err = field(2, nil); err != nil {
				return err
			}
			method &= 15
		}
		dref, err := field(2, nil)
		if err != nil {
			return err
		}
		inFile := method == 0 && dref == 0
		baseAt := p
		base, err := field(baseSize, nil)
		if err != nil {
			return err
		}
		if inFile && base != 0 {
			p = baseAt
			if _, err := field(baseSize, move(baseSize)); err != nil {
				return err
			}
		}
		extents, err := field(2, nil)
		if err != nil {
			return err
		}
		if idxSize+offSize+lenSize == 0 {
			if inFile && base == 0 && extents > 0 {
				return errors.New("heif: iloc extents without offsets")
			}
			continue // nothing to read or move
		}
		for range extents {
			if _, err := field(idxSize, nil); err != nil {
				return err
			}
			var put func(int, uint64) error
			if inFile && base == 0 {
				if offSize == 0 {
					return errors.New("heif: iloc extents without offsets")
				}
				put = move(offSize)
			}
			if _, err := field(offSize, put); err != nil {
				return err
			}
			if _, err := field(lenSize, nil); err != nil {
				return err
			}
		}
	}
	return nil
}
