package libwebp_test

import (
	"fmt"
	"image"
	"image/color"
	"regexp"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc/libwebp"
)

func mustLoad(t *testing.T) *libwebp.Lib {
	t.Helper()
	lib, err := libwebp.Load()
	if err != nil {
		t.Skipf("libwebp not loadable (install libwebp7): %v", err)
	}
	return lib
}

func TestLoad(t *testing.T) {
	lib := mustLoad(t)
	if s := lib.String(); !regexp.MustCompile(`^libwebp \d+\.\d+\.\d+ \(.+\)$`).MatchString(s) {
		t.Errorf("String() = %q, want libwebp X.Y.Z (file)", s)
	}
	again, _ := libwebp.Load()
	if again != lib {
		t.Error("Load twice gave two Libs, want the cached one")
	}
}

func TestEncode(t *testing.T) {
	lib := mustLoad(t)
	opaque := image.NewRGBA(image.Rect(0, 0, 40, 30))
	translucent := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range opaque.Pix {
		opaque.Pix[i] = 255
		translucent.Pix[i] = byte(i)
	}
	for _, tc := range []struct {
		name     string
		img      image.Image
		lossless bool
		chunk    string // what follows "WEBP" in the file
	}{
		{"lossy opaque", opaque, false, "VP8 "},
		{"lossless opaque", opaque, true, "VP8L"},
		{"lossy alpha", translucent, false, "VP8X"},
		{"lossless alpha", translucent, true, "VP8L"},
	} {
		data, err := lib.Encode(tc.img, 80, tc.lossless)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(data) < 16 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" || string(data[12:16]) != tc.chunk {
			t.Errorf("%s: output starts %q, want RIFF....WEBP%s", tc.name, data[:min(16, len(data))], tc.chunk)
		}
	}
	translucentRGBA := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for _, tc := range []struct {
		name string
		img  image.Image
		q    int
		want string
	}{
		{"grey", image.NewGray(image.Rect(0, 0, 4, 4)), 80, "image type *image.Gray"},
		{"premultiplied", translucentRGBA, 80, "premultiplied"},
		{"empty", image.NewNRGBA(image.Rect(0, 0, 0, 3)), 80, "empty image"},
		{"too wide", image.NewNRGBA(image.Rect(0, 0, 16384, 1)), 80, "over WebP's limit"},
		{"quality", opaque, 101, "quality 101"},
	} {
		if _, err := lib.Encode(tc.img, tc.q, false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Encode error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

// Encoding needs the system's libwebp, so this example is compiled but not
// run; it prints "RIFF WEBPVP8L".
func ExampleLib_Encode() {
	lib, err := libwebp.Load()
	if err != nil {
		fmt.Println(err) // it says which files it tried: tell the user what to install
		return
	}
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.SetNRGBA(0, 0, color.NRGBA{A: 0}) // a transparent pixel: the file keeps alpha
	data, err := lib.Encode(img, 80, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(data[:4]), string(data[8:16]))
}
