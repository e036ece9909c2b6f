package imgproc

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
)

// JPEGCodec chooses the JPEG decoder and encoder.
type JPEGCodec int

const (
	// JPEGAuto uses libjpeg-turbo when the system has it and image/jpeg
	// otherwise. It is the zero value.
	JPEGAuto JPEGCodec = iota
	// JPEGTurbo requires libjpeg-turbo; calls fail with an error wrapping
	// ErrUnsupported when it cannot be loaded.
	JPEGTurbo
	// JPEGStd uses the standard library's image/jpeg.
	JPEGStd
)

// String returns "auto", "turbo" or "std", the names [ParseJPEGCodec]
// accepts.
func (c JPEGCodec) String() string {
	switch c {
	case JPEGAuto:
		return "auto"
	case JPEGTurbo:
		return "turbo"
	case JPEGStd:
		return "std"
	}
	return fmt.Sprintf("JPEGCodec(%d)", int(c))
}

// ParseJPEGCodec returns the codec named "auto", "turbo" or "std".
func ParseJPEGCodec(s string) (JPEGCodec, error) {
	for _, c := range []JPEGCodec{JPEGAuto, JPEGTurbo, JPEGStd} {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("imgproc: unknown JPEG codec %q (want auto, turbo or std)", s)
}

// decodeJPEG decodes a JPEG with the chosen codec and returns the codec's
// description.
func decodeJPEG(data []byte, c JPEGCodec) (image.Image, string, error) {
	if err := checkCodec(c); err != nil {
		return nil, "", err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	return img, "image/jpeg", err
}

// encodeJPEG encodes img, which the caller has flattened to an opaque
// *image.YCbCr, *image.Gray or *image.RGBA, with the chosen codec.
func encodeJPEG(img image.Image, quality int, c JPEGCodec) ([]byte, error) {
	if err := checkCodec(c); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func checkCodec(c JPEGCodec) error {
	switch c {
	case JPEGAuto, JPEGStd:
		return nil
	case JPEGTurbo:
		return fmt.Errorf("%w: libjpeg-turbo is not available in this build", ErrUnsupported)
	}
	return fmt.Errorf("imgproc: unknown JPEG codec %d", int(c))
}

// CodecInfo describes the JPEG codec that c selects on this system and why,
// for example "image/jpeg (chosen)" or "image/jpeg (libturbojpeg.so.0 not
// found)". It never fails; a JPEGTurbo that cannot load says so.
func CodecInfo(c JPEGCodec) string {
	switch c {
	case JPEGStd:
		return "image/jpeg (chosen)"
	case JPEGTurbo:
		return "unavailable: libjpeg-turbo is not available in this build"
	}
	return "image/jpeg (libjpeg-turbo not available in this build)"
}
