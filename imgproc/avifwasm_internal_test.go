package imgproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// UseAVIFWASM makes AVIF go through the portable codec until the test
// ends, so that the tests of package imgproc_test check it on machines
// with libheif too.
func UseAVIFWASM(tb testing.TB) {
	tb.Helper()
	forceAVIFWASM.Store(true)
	tb.Cleanup(func() { forceAVIFWASM.Store(false) })
}

// HEIFWithProperty is heifWithProperty, for the tests of package
// imgproc_test that make HEIF files with a rotation or a mirroring.
var HEIFWithProperty = heifWithProperty

// mkBox returns an ISO BMFF box of type typ around the concatenated parts.
func mkBox(typ string, parts ...[]byte) []byte {
	return heifBoxBytes(typ, bytes.Join(parts, nil))
}

// synthHEIF returns a minimal HEIF file whose primary item (1) has one
// property (ispe) and its 10 bytes of data, "0123456789", in mdat, located
// by an iloc box of the given version: 1 with a 4-byte base offset (and an
// item 2 in idat, construction method 1, which must not move), or 2 with
// 8-byte extent offsets and 4-byte item IDs. It also returns the offset of
// the data.
func synthHEIF(ilocVersion byte) ([]byte, int) {
	iloc := func(at uint64) []byte {
		b := []byte{ilocVersion, 0, 0, 0}
		switch ilocVersion {
		case 1: // offsets 4, lengths 4, base offsets 4, no index
			b = append(b, 0x44, 0x40, 0, 2)
			b = append(b, 0, 1, 0, 0, 0, 0) // item 1, method 0, dref 0
			b = binary.BigEndian.AppendUint32(b, uint32(at))
			b = append(b, 0, 1, 0, 0, 0, 0, 0, 0, 0, 10) // 1 extent: offset 0, length 10
			b = append(b, 0, 2, 0, 1, 0, 0)              // item 2, method 1 (idat), dref 0
			b = binary.BigEndian.AppendUint32(b, 0)
			b = append(b, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2)
		case 2: // offsets 8, lengths 4, no base offsets, no index
			b = append(b, 0x84, 0x00, 0, 0, 0, 1)
			b = append(b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1) // item 1, method 0, dref 0, 1 extent
			b = binary.BigEndian.AppendUint64(b, at)
			b = binary.BigEndian.AppendUint32(b, 10)
		}
		return mkBox("iloc", b)
	}
	build := func(at uint64) []byte {
		ftyp := mkBox("ftyp", []byte("avif\x00\x00\x00\x00avifmif1"))
		meta := mkBox("meta", []byte{0, 0, 0, 0},
			mkBox("pitm", []byte{0, 0, 0, 0, 0, 1}),
			iloc(at),
			mkBox("iprp",
				mkBox("ipco", mkBox("ispe", []byte{0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 2})),
				mkBox("ipma", []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0x81})))
		return bytes.Join([][]byte{ftyp, meta, mkBox("mdat", []byte("0123456789"))}, nil)
	}
	data := build(0)
	at := len(data) - 10
	return build(uint64(at)), at
}

// itemData returns the data of the primary item 1 of a synthHEIF file, as
// its iloc box locates it.
func itemData(t *testing.T, data []byte) []byte {
	t.Helper()
	h, err := parseHEIF(data)
	if err != nil {
		t.Fatal(err)
	}
	var offsets []uint64
	if err := h.moveILOC(bytes.Clone(data), func(v uint64) uint64 { offsets = append(offsets, v); return v }); err != nil {
		t.Fatal(err)
	}
	if len(offsets) != 1 || offsets[0]+10 > uint64(len(data)) {
		t.Fatalf("iloc locates %v in %d bytes, want one offset", offsets, len(data))
	}
	return data[offsets[0] : offsets[0]+10]
}

// TestHEIFWithProperty adds properties to files whose iloc boxes have base
// offsets, 8-byte offsets or data in idat: the primary item gets the
// property, the boxes stay well formed and the item data is found where
// iloc says after the move.
func TestHEIFWithProperty(t *testing.T) {
	for _, version := range []byte{1, 2} {
		data, at := synthHEIF(version)
		if got := string(itemData(t, data)); got != "0123456789" {
			t.Fatalf("iloc version %d: the synthetic file locates %q at %d", version, got, at)
		}
		out, err := heifWithProperty(data, []byte("\x00\x00\x00\x09irot\x01"), true)
		if err != nil {
			t.Fatalf("iloc version %d: %v", version, err)
		}
		out, err = heifWithProperty(out, colrProf([]byte("profile")), false)
		if err != nil {
			t.Fatalf("iloc version %d: %v", version, err)
		}
		if got := string(itemData(t, out)); got != "0123456789" {
			t.Errorf("iloc version %d: after the insertions the item data is %q", version, got)
		}
		h, err := parseHEIF(out)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, b := range h.primary {
			types = append(types, b.typ)
		}
		if got, want := strings.Join(types, " "), "ispe irot colr"; got != want {
			t.Errorf("iloc version %d: primary item's properties %q, want %q", version, got, want)
		}
		if w, ht, err := h.transformedSize(4, 2); err != nil || w != 2 || ht != 4 {
			t.Errorf("iloc version %d: transformed size %dx%d (%v), want 2x4", version, w, ht, err)
		}
		if got := string(h.icc()); got != "profile" {
			t.Errorf("iloc version %d: ICC profile %q, want %q", version, got, "profile")
		}
		if len(out) != len(data)+9+19+2 {
			t.Errorf("iloc version %d: %d bytes from %d, want %d more", version, len(out), len(data), 9+19+2)
		}
	}
	data, _ := synthHEIF(1)
	seq := append(bytes.Clone(data), mkBox("moov")...)
	if _, err := heifWithProperty(seq, []byte("\x00\x00\x00\x09irot\x01"), true); err == nil {
		t.Error("added a property to an image sequence, whose chunk offsets it cannot move")
	}
}

// TestHEIFTruncated checks that a HEIF file cut short is told from one
// that is only malformed.
func TestHEIFTruncated(t *testing.T) {
	data, _ := synthHEIF(1)
	if !heifComplete(data) {
		t.Error("heifComplete(whole file) = false")
	}
	for _, n := range []int{len(data) - 1, len(data) - 10, 40, 7} {
		if heifComplete(data[:n]) {
			t.Errorf("heifComplete(first %d of %d bytes) = true", n, len(data))
		}
		if _, err := parseHEIF(data[:n]); !errors.Is(err, errHEIFShort) {
			t.Errorf("parseHEIF(first %d of %d bytes): error %v, want errHEIFShort", n, len(data), err)
		}
	}
	bad := bytes.Clone(data)
	copy(bad[4:8], "ftyq")
	bad = bytes.Replace(bad, []byte("meta"), []byte("mexa"), 1)
	if _, err := parseHEIF(bad); err == nil || errors.Is(err, errHEIFShort) {
		t.Errorf("parseHEIF(no meta box): error %v, want a malformed-file error", err)
	}
}

// TestClapRect checks the clean aperture's rectangle against values
// worked out by hand from libheif's formulas: left = floor(offset +
// (w-1)/2 - (clean-1)/2), top the same rounded half up, the far edges
// clean-1 past them rounded half up. ("centred odd": left floor(2.5) = 2,
// top round(1.5) = 2; "fractions": left floor(0.25+4.5-1.75) = 3, right
// round(3.5+3) = 7, top round(0.5+2.5-0.75) = 2.)
func TestClapRect(t *testing.T) {
	for _, tc := range []struct {
		name string
		clap [8]int32
		w, h int
		want image.Rectangle // empty: an error
	}{
		{"whole", [8]int32{10, 1, 6, 1, 0, 1, 0, 1}, 10, 6, image.Rect(0, 0, 10, 6)},
		{"centred odd", [8]int32{5, 1, 3, 1, 0, 1, 0, 1}, 10, 6, image.Rect(2, 2, 7, 5)},
		{"negative offset", [8]int32{4, 1, 2, 1, -3, 1, -2, 1}, 10, 6, image.Rect(0, 0, 4, 2)},
		{"fractions", [8]int32{9, 2, 5, 2, 1, 4, 1, 2}, 10, 6, image.Rect(3, 2, 8, 5)},
		{"clamped", [8]int32{10, 1, 6, 1, 2, 1, 0, 1}, 10, 6, image.Rect(2, 0, 10, 6)},
		{"outside", [8]int32{4, 1, 2, 1, 100, 1, 0, 1}, 10, 6, image.Rectangle{}},
		{"zero denominator", [8]int32{4, 0, 2, 1, 0, 1, 0, 1}, 10, 6, image.Rectangle{}},
	} {
		var body []byte
		for _, v := range tc.clap {
			body = binary.BigEndian.AppendUint32(body, uint32(v))
		}
		got, err := clapRect(body, tc.w, tc.h)
		if tc.want.Empty() {
			if err == nil {
				t.Errorf("%s: clapRect = %v, want an error", tc.name, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: clapRect = %v, %v, want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := clapRect(make([]byte, 31), 10, 6); err == nil {
		t.Error("clapRect(31 bytes): no error")
	}
}

// TestFromAVIFWASM checks the conversion of the wrapper's premultiplied
// 16-bit pixels (10- and 12-bit AVIF) to 8 bits, rounded, straight alpha.
func TestFromAVIFWASM(t *testing.T) {
	m := image.NewRGBA64(image.Rect(0, 0, 2, 1))
	m.SetRGBA64(0, 0, color.RGBA64{0x8080, 0x7f7f, 0x0101, 0xffff})
	m.SetRGBA64(1, 0, color.RGBA64{0x4000, 0x0000, 0x2000, 0x8000}) // half transparent
	got, ok := fromAVIFWASM(m).(*image.NRGBA)
	if !ok {
		t.Fatalf("translucent image converted to %T, want *image.NRGBA", fromAVIFWASM(m))
	}
	// 0x4000 / 0x8000 of full scale is 0x7fff: 127.5, rounded to 128.
	want := []byte{0x80, 0x7f, 0x01, 0xff, 0x80, 0x00, 0x40, 0x80}
	if !bytes.Equal(got.Pix, want) {
		t.Errorf("fromAVIFWASM = % x, want % x", got.Pix, want)
	}
	m.SetRGBA64(1, 0, color.RGBA64{0xffff, 0x8000, 0x7f80, 0xffff})
	opaque, ok := fromAVIFWASM(m).(*image.RGBA)
	if !ok || !bytes.Equal(opaque.Pix[4:], []byte{0xff, 0x80, 0x7f, 0xff}) {
		t.Errorf("opaque image converted to %T % x, want *image.RGBA ff 80 7f ff", fromAVIFWASM(m), opaque.Pix)
	}
}

// FuzzHEIF feeds the HEIF box reader arbitrary bytes, seeded with the HEIF
// test files: it must not panic, and when it reads a file, adding a
// property must give a file it reads with that property added and nothing
// else changed.
func FuzzHEIF(f *testing.F) {
	for _, pattern := range []string{"*.heic", "*.avif"} {
		files, err := filepath.Glob(filepath.Join("..", "testdata", "imgproc", pattern))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, v := range []byte{1, 2} {
		data, _ := synthHEIF(v)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		heifComplete(data)
		h, err := parseHEIF(data)
		if err != nil {
			return
		}
		w, ht, sizeErr := h.transformedSize(64, 48)
		icc := h.icc()
		out, err := heifWithProperty(data, mkBox("fuzz", []byte{1, 2, 3}), false)
		if err != nil {
			return
		}
		h2, err := parseHEIF(out)
		if err != nil {
			t.Fatalf("the file with a property added does not parse: %v", err)
		}
		if len(h2.props) != len(h.props)+1 || len(h2.primary) != len(h.primary)+1 || h2.primary[len(h.primary)].typ != "fuzz" {
			t.Fatalf("%d properties, %d on the primary item, want %d and %d, the last one added", len(h2.props), len(h2.primary), len(h.props)+1, len(h.primary)+1)
		}
		if w2, ht2, err := h2.transformedSize(64, 48); w2 != w || ht2 != ht || (err == nil) != (sizeErr == nil) {
			t.Fatalf("transformed size %dx%d (%v), was %dx%d (%v)", w2, ht2, err, w, ht, sizeErr)
		}
		if !bytes.Equal(h2.icc(), icc) {
			t.Fatal("the ICC profile changed")
		}
	})
}
