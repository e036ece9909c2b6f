package imgproc_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/imgproc"
)

// webpAnimGolden holds the digests of Pillow's frames of the animated
// WebP test files and their variants, for machines without Pillow.
const webpAnimGolden = "../testdata/imgproc/webp-anim-golden.json"

// webpAnimVariants are the animated WebP test files, made by Pillow's
// WebPAnimEncoder (lossless VP8L sub-frames disposed of to background;
// lossy VP8 and ALPH sub-frames blended), each also with its frames'
// blending and disposal flags rewritten, so that every compositing path
// of libwebp's decoder is taken: blending over a canvas of which the
// previous frame's rectangle was just cleared, key frames after a
// disposal, replacing without blending.
func webpAnimVariants(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, file := range []string{"anim-sprite.webp", "anim-sprite-lossy.webp", "anim-from-gif.webp"} {
		data := mustReadFile(t, file)
		out[file] = data
		for _, v := range []struct {
			name  string
			flags func(i int) byte // bit 1: do not blend; bit 0: dispose
		}{
			{"blend+dispose", func(int) byte { return 0x01 }},
			{"blend", func(int) byte { return 0x00 }},
			{"alternate", func(i int) byte { return byte(i % 4) }},
		} {
			out[file+"/"+v.name] = setANMFFlags(t, data, v.flags)
		}
	}
	return out
}

// setANMFFlags returns a copy of an animated WebP with frame i's flags
// byte set to flags(i).
func setANMFFlags(t *testing.T, data []byte, flags func(i int) byte) []byte {
	t.Helper()
	out := bytes.Clone(data)
	frame := 0
	for i := 12; i+8 <= len(out); {
		n := int(binary.LittleEndian.Uint32(out[i+4:]))
		if string(out[i:i+4]) == "ANMF" {
			out[i+8+15] = flags(frame)
			frame++
		}
		i += 8 + n + n%2
	}
	if frame == 0 {
		t.Fatal("no ANMF chunk")
	}
	return out
}

// TestDecodeWebPAnimationPillow compares every composited frame of the
// animated WebP variants with Pillow's (which composites with libwebp's
// WebPAnimDecoder), bit for bit, as well as the durations and loop count.
func TestDecodeWebPAnimationPillow(t *testing.T) {
	golden := map[string]string{}
	if data, err := os.ReadFile(webpAnimGolden); err == nil {
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatal(err)
		}
	}
	live := pillowCheck() == nil
	dir := t.TempDir()
	for name, data := range webpAnimVariants(t) {
		t.Run(name, func(t *testing.T) {
			a, err := imgproc.DecodeAnimation(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			var all []byte
			for _, f := range a.Frames {
				all = append(all, pixelsNRGBA(f)...)
			}
			meta := fmt.Sprint(a.Loops, a.Delays)
			got := digest(append(all, meta...))
			if !live {
				if golden[name] == "" {
					t.Skipf("no Pillow (Debian python3-pil) and no golden digest for %s", name)
				}
				if got != golden[name] {
					t.Errorf("frames' digest %s, want Pillow's %s", got[:12], golden[name][:12])
				}
				return
			}
			in := filepath.Join(dir, fmt.Sprintf("%x.webp", digest([]byte(name))[:12]))
			if err := os.WriteFile(in, data, 0o644); err != nil {
				t.Fatal(err)
			}
			runPillow(t, `
import sys
from PIL import Image, ImageSequence
im = Image.open(sys.argv[1])
frames, durations = [], []
for f in ImageSequence.Iterator(im):
    frames.append(f.convert("RGBA").tobytes())
    durations.append(f.info["duration"])
open(sys.argv[2], "wb").write(b"".join(frames))
open(sys.argv[3], "w").write("%d %s" % (im.info.get("loop", 0), " ".join(map(str, durations))))
`, in, in+".rgba", in+".meta")
			want, err := os.ReadFile(in + ".rgba")
			if err != nil {
				t.Fatal(err)
			}
			wantMeta, err := os.ReadFile(in + ".meta")
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != len(want) {
				t.Fatalf("%d bytes of frames, Pillow %d", len(all), len(want))
			}
			if !bytes.Equal(all, want) {
				fs := 4 * a.Frames[0].Bounds().Dx() * a.Frames[0].Bounds().Dy()
				for i := 0; i < len(all); i += fs {
					if n, first := diffCount(all[i:i+fs], want[i:i+fs]); n > 0 {
						t.Errorf("frame %d: %d bytes differ from Pillow's, the first at pixel %d: %v, want %v",
							i/fs+1, n, first/4, all[i+first/4*4:][:4], want[i+first/4*4:][:4])
					}
				}
			}
			var ms []string
			for _, d := range a.Delays {
				ms = append(ms, fmt.Sprint(d.Milliseconds()))
			}
			if m := fmt.Sprint(a.Loops, " ", joinWords(ms)); m != string(wantMeta) {
				t.Errorf("loop count and durations %q, Pillow %q", m, wantMeta)
			}
			if *update {
				golden[name] = digest(append(want, meta...))
			}
		})
	}
	if *update && live {
		data, err := json.MarshalIndent(golden, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(webpAnimGolden, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func joinWords(w []string) string {
	var b bytes.Buffer
	for i, s := range w {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

// TestDecodeAnimatedWebPStill checks that Decode gives an animated WebP's
// first frame on the full canvas and counts its frames.
func TestDecodeAnimatedWebPStill(t *testing.T) {
	data := mustReadFile(t, "anim-from-gif.webp")
	pic, err := imgproc.Decode(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := imgproc.DecodeAnimation(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pic.Frames != len(a.Frames) || pic.Frames != 10 {
		t.Errorf("Frames = %d, want 10 (DecodeAnimation: %d)", pic.Frames, len(a.Frames))
	}
	if !bytes.Equal(pixelsNRGBA(pic.Image), pixelsNRGBA(a.Frames[0])) {
		t.Error("Decode's image is not the first frame")
	}
}

// TestWebPAnimationRoundTrip halves the test GIF's frames and writes them
// as an animated WebP, lossless and lossy: read back by imgproc and by
// Pillow, it has as many frames of half the size, the same delays and
// loop count; lossless frames are the resized ones exactly (where not
// transparent), lossy ones close to them.
func TestWebPAnimationRoundTrip(t *testing.T) {
	a, err := imgproc.DecodeAnimation(mustReadFile(t, "animated-loop-3.gif"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ops, _ := imgproc.ParseOps("resize=50%")
	half, err := ops.ApplyAnimation(t.Context(), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, lossless := range []bool{true, false} {
		t.Run(fmt.Sprint("lossless=", lossless), func(t *testing.T) {
			var buf bytes.Buffer
			if err := imgproc.EncodeAnimation(&buf, half, &imgproc.EncodeOptions{Format: imgproc.WebP, Lossless: lossless}); err != nil {
				t.Fatal(err)
			}
			back, err := imgproc.DecodeAnimation(buf.Bytes(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(back.Frames) != len(a.Frames) || back.Loops != a.Loops {
				t.Fatalf("%d frames, %d loops; want %d, %d", len(back.Frames), back.Loops, len(a.Frames), a.Loops)
			}
			for i, f := range back.Frames {
				if f.Bounds() != half.Frames[i].Bounds() {
					t.Fatalf("frame %d is %v, want %v", i+1, f.Bounds(), half.Frames[i].Bounds())
				}
				if back.Delays[i] != a.Delays[i] {
					t.Errorf("frame %d: delay %v, want %v", i+1, back.Delays[i], a.Delays[i])
				}
				db := psnr(premultiplied(f), premultiplied(half.Frames[i]))
				if lossless && !samePixels(premultiplied(f), premultiplied(half.Frames[i])) {
					t.Errorf("frame %d: lossless, yet %.1f dB from the resized frame", i+1, db)
				}
				if !lossless && db < 30 {
					t.Errorf("frame %d: %.1f dB from the resized frame, want at least 30", i+1, db)
				}
			}
			t.Logf("%d frames, %d bytes", len(back.Frames), buf.Len())
			if pillowCheck() != nil {
				return
			}
			// An independent reader: Pillow (libwebp's demuxer and decoder).
			dir := t.TempDir()
			in := filepath.Join(dir, "a.webp")
			if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			runPillow(t, `
import sys
from PIL import Image, ImageSequence
im = Image.open(sys.argv[1])
open(sys.argv[2], "wb").write(b"".join(f.convert("RGBA").tobytes() for f in ImageSequence.Iterator(im)))
`, in, in+".rgba")
			want, err := os.ReadFile(in + ".rgba")
			if err != nil {
				t.Fatal(err)
			}
			var all []byte
			for _, f := range back.Frames {
				all = append(all, pixelsNRGBA(f)...)
			}
			if !bytes.Equal(all, want) {
				t.Error("Pillow reads other frames from the output than imgproc does")
			}
		})
	}
}

// TestWebPAnimationToGIF writes an animated WebP source, which has no
// palette, as a GIF: the palette is made from the frames.
func TestWebPAnimationToGIF(t *testing.T) {
	a, err := imgproc.DecodeAnimation(mustReadFile(t, "anim-from-gif.webp"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := imgproc.EncodeAnimation(&buf, a, &imgproc.EncodeOptions{Format: imgproc.GIF}); err != nil {
		t.Fatal(err)
	}
	back, err := imgproc.DecodeAnimation(buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Frames) != len(a.Frames) {
		t.Fatalf("%d frames, want %d", len(back.Frames), len(a.Frames))
	}
	for i, f := range back.Frames {
		if db := psnr(premultiplied(f), premultiplied(a.Frames[i])); db < 25 {
			t.Errorf("frame %d: %.1f dB from the source, want at least 25", i+1, db)
		}
		if want := (a.Delays[i] + 5*time.Millisecond) / (10 * time.Millisecond) * (10 * time.Millisecond); back.Delays[i] != want {
			t.Errorf("frame %d: delay %v, want %v", i+1, back.Delays[i], want)
		}
	}
}

// TestWebPAnimationBudget checks that an animated WebP of many frames is
// refused from its container by the pixel budget, and a malformed one
// with a clear error.
func TestWebPAnimationBudget(t *testing.T) {
	frame := image.NewNRGBA(image.Rect(0, 0, 100, 100))
	frame.Set(1, 1, color.NRGBA{255, 0, 0, 255})
	a := &imgproc.Animation{}
	for range 2000 {
		a.Frames = append(a.Frames, frame)
		a.Delays = append(a.Delays, 10*time.Millisecond)
	}
	var buf bytes.Buffer
	if err := imgproc.EncodeAnimation(&buf, a, &imgproc.EncodeOptions{Format: imgproc.WebP, Lossless: true}); err != nil {
		t.Fatal(err)
	}
	_, err := imgproc.DecodeAnimation(buf.Bytes(), &imgproc.DecodeOptions{MaxPixels: 10_000_000})
	if !errors.Is(err, imgproc.ErrTooLarge) {
		t.Fatalf("DecodeAnimation(2,000 frames of 100x100, budget 10 MP) = %v, want ErrTooLarge", err)
	}
	data := mustReadFile(t, "anim-sprite.webp")
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"cut in a frame", data[:len(data)-40], imgproc.ErrTruncated},
		{"frame outside the canvas", outsideFrame(data), imgproc.ErrCorrupt},
	} {
		_, err := imgproc.DecodeAnimation(tc.data, nil)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if _, err := imgproc.Decode(tc.data, nil); !errors.Is(err, tc.want) {
			t.Errorf("%s: Decode: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// outsideFrame moves the first frame of an animated WebP off its canvas.
func outsideFrame(data []byte) []byte {
	out := bytes.Clone(data)
	i := bytes.Index(out, []byte("ANMF"))
	out[i+8] = 0x40 // x offset 128 on a 64-pixel canvas
	return out
}
