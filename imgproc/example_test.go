package imgproc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"log"
	"os"
	"path/filepath"

	"github.com/fanout-dev/fanout/imgproc"
)

// The usual job: decode whatever the bytes are, apply an operation list,
// encode in the format the output name asks for.
func Example() {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "imgproc", "Landscape_6.jpg"))
	if err != nil {
		log.Fatal(err)
	}
	pic, err := imgproc.Decode(data, nil)
	if err != nil {
		log.Fatal(err)
	}
	ops, err := imgproc.ParseOps("blur=15,resize=300x")
	if err != nil {
		log.Fatal(err)
	}
	if pic.Image, err = ops.Apply(context.Background(), pic.Image); err != nil {
		log.Fatal(err)
	}
	format, err := imgproc.FormatFromExt("processed_Landscape_6.png")
	if err != nil {
		log.Fatal(err)
	}
	var out bytes.Buffer
	if err := imgproc.Encode(&out, pic, &imgproc.EncodeOptions{Format: format}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(pic.Format, "orientation", pic.Orientation, "->", format, pic.Image.Bounds().Size(), "ICC kept:", len(pic.ICC) > 0)
	// Output: jpeg orientation 6 -> png (300,225) ICC kept: true
}

func ExampleDecode() {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "imgproc", "giant-image.jpg"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = imgproc.Decode(data, nil)
	fmt.Println(errors.Is(err, imgproc.ErrTooLarge))
	fmt.Println(err)
	// Output:
	// true
	// imgproc: jpeg image is 20000x14000 (280000000 pixels), over the limit of 89478485 pixels
}

func ExampleGaussianBlur() {
	// A white dot on black, blurred as Pillow's GaussianBlur(2) blurs it
	// (Pillow gives the same numbers).
	img := image.NewGray(image.Rect(0, 0, 9, 1))
	img.SetGray(4, 0, color.Gray{Y: 255})
	out, err := imgproc.GaussianBlur(img, 2, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.(*image.Gray).Pix)
	// Output: [9 18 32 44 49 44 32 18 9]
}

func ExampleParseOps() {
	ops, err := imgproc.ParseOps("blur=15, thumb=800x600, grey")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ops)
	_, err = imgproc.ParseOps("blur=0")
	fmt.Println(err)
	// Output:
	// blur=15,thumbnail=800x600,grayscale
	// imgproc: operation "blur=0": sigma must be > 0, not 0
}

func ExampleEncode() {
	pic := &imgproc.Picture{Image: image.NewNRGBA(image.Rect(0, 0, 64, 48)), Format: imgproc.PNG, Oriented: true}
	var out bytes.Buffer
	// A transparent PNG written as JPEG is flattened on white.
	if err := imgproc.Encode(&out, pic, &imgproc.EncodeOptions{Format: imgproc.JPEG, Quality: 90}); err != nil {
		log.Fatal(err)
	}
	back, err := imgproc.Decode(out.Bytes(), nil)
	if err != nil {
		log.Fatal(err)
	}
	r, g, b, _ := back.Image.At(10, 10).RGBA()
	fmt.Println(back.Format, back.Image.Bounds().Size(), r>>8, g>>8, b>>8)
	// Output: jpeg (64,48) 255 255 255
}

func ExampleResize() {
	// A step from black to white, enlarged 2x with Pillow's default
	// filter (bicubic) and with Lanczos, whose ringing shows at the ends:
	// Pillow gives the same numbers.
	img := image.NewGray(image.Rect(0, 0, 4, 1))
	copy(img.Pix, []byte{0, 0, 255, 255})
	for _, f := range []imgproc.Filter{imgproc.Bicubic, imgproc.Lanczos} {
		out, err := imgproc.Resize(img, 8, 1, &imgproc.ResizeOptions{Filter: f})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(f, out.(*image.Gray).Pix)
	}
	// Output:
	// bicubic [0 0 0 52 203 255 255 255]
	// lanczos [10 0 0 54 201 255 255 245]
}

// A thumbnail of a JPEG, decoded at a fraction of its size (shrink-on-load)
// as the operation list allows, as Pillow's thumbnail() does.
func ExampleOps_DraftScale() {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "imgproc", "coffee-444.jpg"))
	if err != nil {
		log.Fatal(err)
	}
	ops, err := imgproc.ParseOps("thumbnail=100x100")
	if err != nil {
		log.Fatal(err)
	}
	pic, err := imgproc.Decode(data, &imgproc.DecodeOptions{Draft: ops.DraftScale})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%dx%d decoded at 1/%d: %v\n", pic.Width, pic.Height, pic.Scale, pic.Image.Bounds().Size())
	img, err := ops.ApplyPicture(context.Background(), pic, &imgproc.ApplyOptions{Output: imgproc.JPEG})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Bounds().Size())
	// Output:
	// 601x397 decoded at 1/2: (301,199)
	// (100,66)
}

func ExampleReduce() {
	img := image.NewGray(image.Rect(0, 0, 5, 1))
	copy(img.Pix, []byte{10, 20, 30, 40, 200})
	out, err := imgproc.Reduce(img, 2, 1) // the last block has one pixel
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.(*image.Gray).Pix)
	// Output: [15 35 200]
}
