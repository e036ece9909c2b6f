package turbojpeg

import (
	"image"
	"strconv"
)

// Subsampling is a JPEG's chroma subsampling, as TurboJPEG reports it. The
// values are TurboJPEG's TJSAMP constants.
type Subsampling int

// Chroma subsampling options.
const (
	Subsample444  Subsampling = 0 // one chroma sample per pixel
	Subsample422  Subsampling = 1 // one per 2x1 pixels
	Subsample420  Subsampling = 2 // one per 2x2 pixels
	SubsampleGray Subsampling = 3 // no chroma: a greyscale JPEG
	Subsample440  Subsampling = 4 // one per 1x2 pixels
	Subsample411  Subsampling = 5 // one per 4x1 pixels

	// Reported by TurboJPEG 3 libraries only; TurboJPEG 2 refuses such
	// files in DecodeConfig with an error wrapping ErrUnsupported.
	Subsample441     Subsampling = 6  // one per 1x4 pixels
	SubsampleUnknown Subsampling = -1 // a layout with no TurboJPEG name
)

// String returns the usual notation, such as "4:2:0" or "gray".
func (s Subsampling) String() string {
	switch s {
	case Subsample444:
		return "4:4:4"
	case Subsample422:
		return "4:2:2"
	case Subsample420:
		return "4:2:0"
	case SubsampleGray:
		return "gray"
	case Subsample440:
		return "4:4:0"
	case Subsample411:
		return "4:1:1"
	case Subsample441:
		return "4:4:1"
	case SubsampleUnknown:
		return "unknown"
	}
	return "Subsampling(" + strconv.Itoa(int(s)) + ")"
}

// YCbCrRatio returns the image.YCbCr subsample ratio with the same layout, and
// false if there is none (greyscale or an unknown value).
func (s Subsampling) YCbCrRatio() (image.YCbCrSubsampleRatio, bool) {
	switch s {
	case Subsample444:
		return image.YCbCrSubsampleRatio444, true
	case Subsample422:
		return image.YCbCrSubsampleRatio422, true
	case Subsample420:
		return image.YCbCrSubsampleRatio420, true
	case Subsample440:
		return image.YCbCrSubsampleRatio440, true
	case Subsample411:
		return image.YCbCrSubsampleRatio411, true
	}
	return 0, false
}

// subsamplingOf maps an image.YCbCr ratio to TurboJPEG's; 4:1:0 has no
// TurboJPEG 2 equivalent.
func subsamplingOf(r image.YCbCrSubsampleRatio) (Subsampling, bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return Subsample444, true
	case image.YCbCrSubsampleRatio422:
		return Subsample422, true
	case image.YCbCrSubsampleRatio420:
		return Subsample420, true
	case image.YCbCrSubsampleRatio440:
		return Subsample440, true
	case image.YCbCrSubsampleRatio411:
		return Subsample411, true
	}
	return 0, false
}

// factors returns the horizontal and vertical luma-to-chroma sampling
// factors (the iMCU size divided by 8).
func (s Subsampling) factors() (h, v int) {
	switch s {
	case Subsample422:
		return 2, 1
	case Subsample420:
		return 2, 2
	case Subsample440:
		return 1, 2
	case Subsample411:
		return 4, 1
	}
	return 1, 1
}

// ColorSpace is the colour space a JPEG is coded in, as TurboJPEG reports
// it. The values are TurboJPEG's TJCS constants.
type ColorSpace int

// JPEG colour spaces.
const (
	ColorSpaceRGB   ColorSpace = 0 // RGB coded without transform
	ColorSpaceYCbCr ColorSpace = 1 // the usual JPEG
	ColorSpaceGray  ColorSpace = 2 // greyscale
	ColorSpaceCMYK  ColorSpace = 3 // CMYK coded without transform
	ColorSpaceYCCK  ColorSpace = 4 // CMYK coded as YCbCr plus K (Adobe)
)

// String returns the colour space's name, such as "YCbCr".
func (c ColorSpace) String() string {
	switch c {
	case ColorSpaceRGB:
		return "RGB"
	case ColorSpaceYCbCr:
		return "YCbCr"
	case ColorSpaceGray:
		return "gray"
	case ColorSpaceCMYK:
		return "CMYK"
	case ColorSpaceYCCK:
		return "YCCK"
	}
	return "ColorSpace(" + strconv.Itoa(int(c)) + ")"
}
