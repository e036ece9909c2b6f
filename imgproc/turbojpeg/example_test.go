package turbojpeg_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"log"
	"os"

	"github.com/fanout-dev/fanout/imgproc/turbojpeg"
)

// The usual pattern: use libjpeg-turbo when the system has it and
// image/jpeg otherwise. Both return the photo's YCbCr planes, and both
// encode straight from them, so the output is the same either way.
func Example() {
	data, err := os.ReadFile("../../testdata/turbojpeg/skimage-chelsea.jpg")
	if err != nil {
		log.Fatal(err)
	}
	lib, loadErr := turbojpeg.Load() // loadErr says why when it is absent

	var img image.Image
	if loadErr == nil {
		img, err = lib.Decode(data)
	} else {
		img, err = jpeg.Decode(bytes.NewReader(data))
	}
	if err != nil {
		log.Fatal(err)
	}
	ycc := img.(*image.YCbCr)
	fmt.Println("decoded", ycc.Bounds(), ycc.SubsampleRatio)

	// Work on the planes here (blur, crop, ...), then encode them.
	var out []byte
	if loadErr == nil {
		out, err = lib.EncodeYCbCr(ycc, 85)
	} else {
		var buf bytes.Buffer
		err = jpeg.Encode(&buf, ycc, &jpeg.Options{Quality: 85})
		out = buf.Bytes()
	}
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("encoded %dx%d\n", cfg.Width, cfg.Height)
	// Output:
	// decoded (0,0)-(451,300) YCbCrSubsampleRatio420
	// encoded 451x300
}

// DecodeConfig reads the header only, so the caller can refuse an image
// over its pixel budget before allocating it.
func ExampleLib_DecodeConfig() {
	lib, err := turbojpeg.Load()
	if err != nil {
		fmt.Println("libjpeg-turbo unavailable:", err)
		return
	}
	data, err := os.ReadFile("../../testdata/turbojpeg/skimage-chelsea.jpg")
	if err != nil {
		log.Fatal(err)
	}
	w, h, subsamp, cs, err := lib.DecodeConfig(data)
	if err != nil {
		log.Fatal(err)
	}
	const budget = 89_478_485 // Pillow's MAX_IMAGE_PIXELS
	fmt.Println(w, h, subsamp, cs, w*h <= budget)
}
