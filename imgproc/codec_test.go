package imgproc_test

import (
	"bytes"
	"errors"
	"image"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// TestJPEGCodecs runs decode and encode through both JPEG codecs and checks
// that they agree.
func TestJPEGCodecs(t *testing.T) {
	data := mustReadFile(t, "skimage-chelsea.jpg")
	ref, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGStd})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		codec imgproc.JPEGCodec
		name  string // in Picture.Codec
	}{
		{imgproc.JPEGStd, "image/jpeg"}, // the decoder
		{imgproc.JPEGTurbo, "libjpeg-turbo"},
	} {
		t.Run(tc.codec.String(), func(t *testing.T) {
			skipWithoutCodec(t, tc.codec)
			p, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: tc.codec})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(p.Codec, tc.name) {
				t.Errorf("Picture.Codec = %q, want it to name %s", p.Codec, tc.name)
			}
			if typeName(p.Image) != "*image.YCbCr" {
				t.Errorf("decoded %T, want *image.YCbCr", p.Image)
			}
			if db := psnr(p.Image, ref.Image); db < 45 {
				t.Errorf("decode PSNR against image/jpeg = %.1f dB, want >= 45", db)
			}
			var buf bytes.Buffer
			if err := imgproc.Encode(&buf, p, &imgproc.EncodeOptions{JPEG: tc.codec, Quality: 90}); err != nil {
				t.Fatal(err)
			}
			back, err := imgproc.Decode(buf.Bytes(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if db := psnr(back.Image, ref.Image); db < 35 {
				t.Errorf("encode round trip PSNR = %.1f dB, want >= 35", db)
			}
			if info := imgproc.CodecInfo(tc.codec); !strings.Contains(info, tc.name) && !strings.Contains(info, "pure Go") {
				t.Errorf("CodecInfo(%v) = %q, want it to name %s", tc.codec, info, tc.name)
			}
		})
	}
}

func TestParseJPEGCodec(t *testing.T) {
	for _, c := range []imgproc.JPEGCodec{imgproc.JPEGAuto, imgproc.JPEGTurbo, imgproc.JPEGStd} {
		got, err := imgproc.ParseJPEGCodec(c.String())
		if err != nil || got != c {
			t.Errorf("ParseJPEGCodec(%q) = %v, %v; want %v", c.String(), got, err, c)
		}
	}
	if _, err := imgproc.ParseJPEGCodec("mozjpeg"); err == nil {
		t.Error(`ParseJPEGCodec("mozjpeg") succeeded, want an error`)
	}
	if info := imgproc.CodecInfo(imgproc.JPEGAuto); info == "" {
		t.Error("CodecInfo(JPEGAuto) is empty")
	}
}

// TestUnknownJPEGCodec checks that a JPEGCodec outside the named ones is an
// error from Decode and Encode whether or not libjpeg-turbo is installed
// (with it, the value used to select libjpeg-turbo silently), and that a
// decode error does not call the data corrupt.
func TestUnknownJPEGCodec(t *testing.T) {
	data := mustReadFile(t, "skimage-chelsea.jpg")
	for _, c := range []imgproc.JPEGCodec{-1, 3, 7} {
		_, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: c})
		if err == nil || !strings.Contains(err.Error(), "unknown JPEG codec") || errors.Is(err, imgproc.ErrCorrupt) {
			t.Errorf("Decode with JPEGCodec(%d): err = %v, want an unknown codec error", int(c), err)
		}
		p := &imgproc.Picture{Image: image.NewGray(image.Rect(0, 0, 8, 8)), Format: imgproc.JPEG, Oriented: true}
		var buf bytes.Buffer
		err = imgproc.Encode(&buf, p, &imgproc.EncodeOptions{JPEG: c})
		if err == nil || !strings.Contains(err.Error(), "unknown JPEG codec") || buf.Len() != 0 {
			t.Errorf("Encode with JPEGCodec(%d): err = %v, %d bytes written, want an unknown codec error", int(c), err, buf.Len())
		}
	}
}
