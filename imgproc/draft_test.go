package imgproc_test

import (
	"bytes"
	"errors"
	"image"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// gradientJPEG returns a w×h 4:2:0 JPEG of smooth gradients.
func gradientJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			m.Y[y*m.YStride+x] = byte((x*255/w + y*255/h) / 2)
		}
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = byte(i%251), byte(i%241)
	}
	var buf bytes.Buffer
	if err := imgproc.Encode(&buf, &imgproc.Picture{Image: m, Oriented: true}, &imgproc.EncodeOptions{Format: imgproc.JPEG}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestDraftBudget checks that shrink-on-load counts the pixel budget at the
// reduced size with libjpeg-turbo, so that a 12-megapixel photo can be
// thumbnailed under a 1-megapixel budget, and at the full size with the
// pure-Go decoder, which must decode everything.
func TestDraftBudget(t *testing.T) {
	data := gradientJPEG(t, 4000, 3000)
	ops, err := imgproc.ParseOps("thumbnail=400x400")
	if err != nil {
		t.Fatal(err)
	}
	if got := ops.DraftScale(4000, 3000); got != 4 {
		t.Errorf("DraftScale(4000, 3000) for %s = %d, want 4 (Pillow's draft: 4000 // 800 = 5)", ops, got)
	}
	const budget = 1_000_000
	t.Run("turbo", func(t *testing.T) {
		pic, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGTurbo, MaxPixels: budget, Draft: ops.DraftScale})
		if errors.Is(err, imgproc.ErrUnsupported) {
			t.Skipf("libjpeg-turbo unavailable (install libturbojpeg0): %v", err)
		}
		if err != nil {
			t.Fatalf("Decode with a draft under a %d-pixel budget: %v", budget, err)
		}
		if got, want := pic.Image.Bounds().Size(), image.Pt(1000, 750); got != want || pic.Scale != 4 || pic.Width != 4000 || pic.Height != 3000 {
			t.Errorf("Decode = %v at scale %d of %dx%d, want %v at 4 of 4000x3000", got, pic.Scale, pic.Width, pic.Height, want)
		}
		img, err := ops.ApplyPicture(t.Context(), pic, &imgproc.ApplyOptions{MaxPixels: budget})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := img.Bounds().Size(), image.Pt(400, 300); got != want {
			t.Errorf("thumbnail = %v, want %v", got, want)
		}
		// Without the draft the same budget refuses the photo.
		_, err = imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGTurbo, MaxPixels: budget})
		if !errors.Is(err, imgproc.ErrTooLarge) {
			t.Errorf("Decode without a draft = %v, want ErrTooLarge", err)
		}
	})
	t.Run("std", func(t *testing.T) {
		_, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGStd, MaxPixels: budget, Draft: ops.DraftScale})
		var tl *imgproc.TooLargeError
		if !errors.As(err, &tl) || tl.Width != 4000 || tl.Height != 3000 {
			t.Errorf("pure-Go Decode with a draft = %v, want a TooLargeError at 4000x3000", err)
		}
		pic, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGStd, Draft: ops.DraftScale})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := pic.Image.Bounds().Size(), image.Pt(1000, 750); got != want || pic.Scale != 4 {
			t.Errorf("pure-Go Decode = %v at scale %d, want %v at 4 (decoded fully, then reduced)", got, pic.Scale, want)
		}
	})
}

// TestDraftOrientation checks that the draft is chosen on the upright size
// and that the operation's size comes from the full picture, for a photo
// whose EXIF orientation turns it.
func TestDraftOrientation(t *testing.T) {
	data := mustReadFile(t, "Landscape_6.jpg")
	ops, err := imgproc.ParseOps("resize=100x")
	if err != nil {
		t.Fatal(err)
	}
	full, err := imgproc.Decode(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	pic, err := imgproc.Decode(data, &imgproc.DecodeOptions{Draft: ops.DraftScale})
	if err != nil {
		t.Fatal(err)
	}
	if pic.Width != full.Image.Bounds().Dx() || pic.Height != full.Image.Bounds().Dy() {
		t.Errorf("Picture size %dx%d, want the upright %v", pic.Width, pic.Height, full.Image.Bounds().Size())
	}
	if pic.Scale < 2 {
		t.Errorf("Scale = %d, want a reduced decode for %s of %dx%d", pic.Scale, ops, pic.Width, pic.Height)
	}
	img, err := ops.ApplyPicture(t.Context(), pic, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := ops.Apply(t.Context(), full.Image)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != ref.Bounds() {
		t.Fatalf("drafted result %v, full decode's %v", img.Bounds(), ref.Bounds())
	}
	if db := psnr(img, ref); db < 35 {
		t.Errorf("drafted result is %.1f dB from the full decode's, want at least 35", db)
	}
}
