package imgproc_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/imgproc"
)

// TestAnimationRoundTrip decodes the test GIF (10 frames, looping 3
// times), halves every frame, encodes it and reads it back: as many frames
// of half the size, the same delays and loop count, each close to the
// resized frame.
func TestAnimationRoundTrip(t *testing.T) {
	data := mustReadFile(t, "animated-loop-3.gif")
	src, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	a, err := imgproc.DecodeAnimation(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(src.Image)
	if len(a.Frames) != n || len(a.Delays) != n || n < 2 {
		t.Fatalf("%d frames, %d delays; want %d", len(a.Frames), len(a.Delays), n)
	}
	ops, _ := imgproc.ParseOps("resize=50%")
	half, err := ops.ApplyAnimation(t.Context(), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := imgproc.EncodeAnimation(&buf, half, nil); err != nil {
		t.Fatal(err)
	}
	back, err := gif.DecodeAll(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	w, h := (src.Config.Width+1)/2, (src.Config.Height+1)/2
	if len(back.Image) != n || back.Config.Width != w || back.Config.Height != h {
		t.Fatalf("read back %d frames of %dx%d, want %d of %dx%d", len(back.Image), back.Config.Width, back.Config.Height, n, w, h)
	}
	for i := range back.Image {
		if back.Delay[i] != src.Delay[i] {
			t.Errorf("frame %d: delay %d, want %d", i, back.Delay[i], src.Delay[i])
		}
		if want := time.Duration(src.Delay[i]) * 10 * time.Millisecond; a.Delays[i] != want {
			t.Errorf("frame %d: decoded delay %v, want %v", i, a.Delays[i], want)
		}
	}
	if a.Loops != src.LoopCount+1 {
		t.Errorf("Loops = %d for a GIF loop count of %d, want %d plays", a.Loops, src.LoopCount, src.LoopCount+1)
	}
	if back.LoopCount != src.LoopCount {
		t.Errorf("loop count %d, want %d", back.LoopCount, src.LoopCount)
	}
	// Each frame read back, composited, is the resized frame dithered to
	// the source's palette.
	again, err := imgproc.DecodeAnimation(buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range again.Frames {
		if db := psnr(premultiplied(f), premultiplied(half.Frames[i])); db < 20 {
			t.Errorf("frame %d: %.1f dB from the resized frame, want at least 20", i, db)
		}
	}
}

// TestAnimationBudget checks that a GIF of 10,000 frames is refused from
// its headers by the pixel budget, before any frame is decoded.
func TestAnimationBudget(t *testing.T) {
	g := &gif.GIF{Config: image.Config{Width: 100, Height: 100, ColorModel: color.Palette{color.Black, color.White}}}
	frame := image.NewPaletted(image.Rect(0, 0, 1, 1), color.Palette{color.Black, color.White})
	for range 10_000 {
		g.Image = append(g.Image, frame)
		g.Delay = append(g.Delay, 1)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	_, err := imgproc.DecodeAnimation(buf.Bytes(), nil)
	if !errors.Is(err, imgproc.ErrTooLarge) {
		t.Fatalf("DecodeAnimation(10,000 frames of 100x100) = %v, want ErrTooLarge", err)
	}
	t.Log(err)
}

// gifFramesGolden is the digest of Pillow's frames of the test GIF
// (ImageSequence, each convert("RGBA"), concatenated), for machines
// without Pillow.
const gifFramesGolden = "../testdata/imgproc/gif-frames-golden.txt"

// TestDecodeAnimationPillow checks the compositing against Pillow's: every
// frame bit for bit.
func TestDecodeAnimationPillow(t *testing.T) {
	a, err := imgproc.DecodeAnimation(mustReadFile(t, "animated-loop-3.gif"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range a.Frames {
		all = append(all, pixelsNRGBA(f)...)
	}
	got := digest(all)
	if pillowCheck() != nil {
		want, err := os.ReadFile(gifFramesGolden)
		if err != nil {
			t.Skipf("no Pillow (Debian python3-pil) and no golden file: %v", err)
		}
		if got != strings.TrimSpace(string(want)) {
			t.Errorf("frames' digest %s, want Pillow's %s", got, want)
		}
		return
	}
	dir := t.TempDir()
	runPillow(t, `
import sys
from PIL import Image, ImageSequence
im = Image.open(sys.argv[1])
open(sys.argv[2], "wb").write(b"".join(f.convert("RGBA").tobytes() for f in ImageSequence.Iterator(im)))
`, filepath.Join("..", "testdata", "imgproc", "animated-loop-3.gif"), filepath.Join(dir, "frames"))
	want, err := os.ReadFile(filepath.Join(dir, "frames"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(all, want) {
		t.Errorf("the composited frames differ from Pillow's")
	}
	if *update {
		if err := os.WriteFile(gifFramesGolden, []byte(digest(want)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
