package lcms

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"
)

// Profile is what this package reads of an ICC profile, in pure Go: the
// header, the description, and for matrix/TRC profiles the colorants and
// tone curves [Portable] applies. Obtain one from [ParseProfile]; it is
// immutable and safe for concurrent use.
type Profile struct {
	// Version is the profile's version as its header encodes it:
	// 0x04300000 for 4.3, 0x02100000 for 2.1.
	Version uint32
	// Class is the device class signature: "mntr" (display), "scnr"
	// (input), "prtr" (output), "spac" (colour space), ...
	Class string
	// ColorSpace is the signature of the colours the profile describes:
	// "RGB ", "GRAY", "CMYK", ...
	ColorSpace string
	// PCS is the profile connection space, "XYZ " or "Lab ".
	PCS string
	// Description is the profile's description tag (desc): "Display P3",
	// "sRGB IEC61966-2.1", ...; empty when it has none.
	Description string

	tags map[string][]byte // tag signature to the tag's data

	// Set for matrix/TRC profiles, nil otherwise: the colorant matrix
	// (columns rXYZ, gXYZ, bXYZ) and the curves (one for grey).
	colorants *mat3
	curves    []*curve
	lut       bool // has an A2B or D2B tag: LittleCMS uses that instead
}

// ParseProfile reads the header and tag table of an ICC profile, and the
// tags a matrix/TRC profile is made of. Its errors wrap [ErrProfile] and
// say what is wrong: a short or truncated profile, a missing 'acsp'
// signature, a tag outside the data, a malformed curve.
func ParseProfile(icc []byte) (*Profile, error) {
	p, err := parseProfile(icc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProfile, err)
	}
	return p, nil
}

func parseProfile(icc []byte) (*Profile, error) {
	if len(icc) < 132 {
		return nil, fmt.Errorf("%d bytes, shorter than a profile's header", len(icc))
	}
	be := binary.BigEndian
	size := be.Uint32(icc)
	if uint64(size) > uint64(len(icc)) || size < 132 {
		return nil, fmt.Errorf("header says %d bytes, %d given", size, len(icc))
	}
	icc = icc[:size]
	if string(icc[36:40]) != "acsp" {
		return nil, errors.New("no 'acsp' signature: not an ICC profile")
	}
	p := &Profile{
		Version:    be.Uint32(icc[8:]),
		Class:      string(icc[12:16]),
		ColorSpace: string(icc[16:20]),
		PCS:        string(icc[20:24]),
		tags:       make(map[string][]byte),
	}
	n := be.Uint32(icc[128:])
	if uint64(n)*12 > uint64(len(icc)-132) {
		return nil, fmt.Errorf("tag table of %d entries overruns the profile", n)
	}
	for i := range int(n) {
		e := icc[132+12*i:]
		sig, off, sz := string(e[:4]), be.Uint32(e[4:]), be.Uint32(e[8:])
		if uint64(off)+uint64(sz) > uint64(len(icc)) || sz < 8 {
			return nil, fmt.Errorf("tag %q outside the profile", sig)
		}
		if _, dup := p.tags[sig]; !dup {
			p.tags[sig] = icc[off : off+sz]
		}
	}
	p.Description = textTag(p.tags["desc"])
	for _, sig := range []string{"A2B0", "A2B1", "A2B2", "D2B0", "D2B1", "D2B2", "D2B3"} {
		if p.tags[sig] != nil {
			p.lut = true
		}
	}
	if p.lut {
		return p, nil
	}
	switch p.ColorSpace {
	case "RGB ":
		sigs := []string{"rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC"}
		for _, s := range sigs {
			if p.tags[s] == nil {
				return p, nil // not matrix/TRC; LittleCMS will say what it lacks
			}
		}
		var m mat3
		for j, s := range sigs[:3] {
			xyz, err := xyzTag(p.tags[s])
			if err != nil {
				return nil, fmt.Errorf("tag %s: %v", s, err)
			}
			for i := range 3 {
				m[i][j] = xyz[i]
			}
		}
		for _, s := range sigs[3:] {
			c, err := parseCurve(p.tags[s])
			if err != nil {
				return nil, fmt.Errorf("tag %s: %v", s, err)
			}
			p.curves = append(p.curves, c)
		}
		p.colorants = &m
	case "GRAY":
		if p.tags["kTRC"] == nil {
			return p, nil
		}
		c, err := parseCurve(p.tags["kTRC"])
		if err != nil {
			return nil, fmt.Errorf("tag kTRC: %v", err)
		}
		p.curves = []*curve{c}
	}
	return p, nil
}

// MatrixShaper reports whether the profile is a matrix/TRC profile (RGB
// colorants and three tone curves, or a grey tone curve) without LUT-based
// tags, with an XYZ connection space (or Lab for grey): the profiles
// [Portable] applies.
func (p *Profile) MatrixShaper() bool {
	if p.lut || p.curves == nil {
		return false
	}
	if p.ColorSpace == "GRAY" {
		return p.PCS == "XYZ " || p.PCS == "Lab "
	}
	return p.PCS == "XYZ "
}

// IsSRGB reports whether converting to sRGB would leave the pixels as they
// are, to within a level: an RGB matrix/TRC profile whose colorants are
// within 0.0005 of sRGB's (adapted to D50 with Bradford, as ICC profiles
// store them) and whose curves are within 0.2 of a level of sRGB's
// transfer function at every 8-bit value, or a grey profile whose curve
// is sRGB's to that precision (grey pixels mean the same untagged). The
// description is not consulted: profiles named sRGB that are not, and
// sRGB profiles named otherwise, exist. Measured with LittleCMS: its
// conversion changes no 8-bit value by more than one level from the
// profiles this accepts among the tests' (LittleCMS's built-in sRGB as
// Pillow saves it, the v2 sRGB of Debian's icc-profiles-free).
func (p *Profile) IsSRGB() bool {
	if !p.MatrixShaper() || p.PCS != "XYZ " {
		return false
	}
	if p.ColorSpace == "RGB " {
		want := srgbColorants()
		for i := range 3 {
			for j := range 3 {
				if math.Abs(p.colorants[i][j]-want[i][j]) > 0.0005 {
					return false
				}
			}
		}
	}
	for _, c := range p.curves {
		for v := range 256 {
			lin := c.eval(float64(v) / 255)
			if math.Abs(srgbEncode(lin)*255-float64(v)) > 0.2 {
				return false
			}
		}
	}
	return true
}

// xyzTag reads an XYZType tag's first value.
func xyzTag(b []byte) ([3]float64, error) {
	if len(b) < 20 || string(b[:4]) != "XYZ " {
		return [3]float64{}, errors.New("not an XYZ tag")
	}
	var v [3]float64
	for i := range 3 {
		v[i] = s15f16(b[8+4*i:])
	}
	return v, nil
}

// s15f16 reads an s15Fixed16Number; the double is exact.
func s15f16(b []byte) float64 {
	return float64(int32(binary.BigEndian.Uint32(b))) / 65536
}

// textTag reads a desc (ICC v2), mluc (v4, its first record) or text tag,
// up to 256 characters.
func textTag(b []byte) string {
	if len(b) < 12 {
		return ""
	}
	be := binary.BigEndian
	var s string
	switch string(b[:4]) {
	case "desc":
		n := be.Uint32(b[8:])
		if uint64(n) <= uint64(len(b)-12) {
			s = string(b[12 : 12+n])
		}
	case "mluc":
		if len(b) >= 28 && be.Uint32(b[8:]) > 0 {
			n, off := be.Uint32(b[20:]), be.Uint32(b[24:])
			if uint64(off)+uint64(n) <= uint64(len(b)) {
				u := make([]uint16, n/2)
				for i := range u {
					u[i] = be.Uint16(b[off+uint32(2*i):])
				}
				s = string(utf16.Decode(u))
			}
		}
	case "text":
		s = string(b[8:])
	}
	s = strings.TrimRight(s, "\x00 ")
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if len(s) > 256 {
		s = s[:256]
	}
	return strings.ToValidUTF8(s, "?")
}
