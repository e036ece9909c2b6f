package imgproc_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// corpusDir holds the decode corpus: small files of every odd variant of
// each format, made by the generator scripts beside them (make.py).
const corpusDir = "../testdata/corpus"

// corpusGolden holds the digests of Pillow's decoding of the corpus
// (convert("RGBA"), tobytes), for machines without Pillow.
const corpusGolden = "../testdata/corpus/golden.json"

// corpusRefused are the corpus files that must be refused, and the error
// class each refusal wraps. Pillow refuses them too.
var corpusRefused = map[string]error{
	"bmp/rgb32-bitfields-10bit.bmp": imgproc.ErrUnsupported, // channel masks Pillow has no unpacker for
	"bmp/jpeg-in-bmp.bmp":           imgproc.ErrUnsupported,
	"bmp/bits64.bmp":                imgproc.ErrUnsupported,
	"bmp/rgb24-truncated.bmp":       imgproc.ErrTruncated,
	"bmp/rle8-truncated.bmp":        imgproc.ErrTruncated,
	"gif/truncated.gif":             imgproc.ErrTruncated,
	"jpeg/truncated.jpg":            imgproc.ErrTruncated,
	"webp/truncated.webp":           imgproc.ErrTruncated,
}

// TestDecodeCorpus decodes every file of the corpus (but TIFF's, which
// TestTIFFCorpus covers) and checks each against what it must give:
// Pillow's pixels bit for bit (Pillow live when python3-pil is there, its
// golden digests otherwise); for a file with a NAME.expected.png beside
// it, the pixels of that PNG, where Pillow is wrong (the generator says
// why); or, for the files of corpusRefused, a refusal of that class.
// Fully transparent pixels compare equal whatever their colour.
func TestDecodeCorpus(t *testing.T) {
	golden := map[string]string{}
	if data, err := os.ReadFile(corpusGolden); err == nil {
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatal(err)
		}
	}
	live := pillowCheck() == nil
	var files []string
	for _, pattern := range []string{"bmp/*.bmp", "gif/*.gif", "jpeg/*.jpg", "webp/*.webp"} {
		m, err := filepath.Glob(filepath.Join(corpusDir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no corpus files")
	}
	var pillowFiles []string
	for _, path := range files {
		name := filepath.ToSlash(strings.TrimPrefix(path, corpusDir+string(filepath.Separator)))
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		pic, err := imgproc.Decode(data, &imgproc.DecodeOptions{RGB: true})
		if want, refused := corpusRefused[name]; refused {
			if !errors.Is(err, want) {
				t.Errorf("%s: %v, want a refusal wrapping %v", name, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := visible(pixelsNRGBA(pic.Image))
		if exp := strings.TrimSuffix(path, filepath.Ext(path)) + ".expected.png"; fileExists(exp) {
			if want := visible(pixelsNRGBA(mustReadPNG(t, exp))); !slices.Equal(got, want) {
				t.Errorf("%s: differs from the format's pixels in %s", name, filepath.Base(exp))
			}
			continue
		}
		if !live {
			switch {
			case golden[name] == "":
				t.Errorf("%s: no golden digest (run go test ./imgproc -run TestDecodeCorpus -update with python3-pil)", name)
			case digest(got) != golden[name]:
				t.Errorf("%s: decoded pixels' digest differs from Pillow's", name)
			}
			continue
		}
		pillowFiles = append(pillowFiles, name)
	}
	if !live {
		t.Logf("checked against golden digests (no Pillow: install python3-pil to check live)")
		return
	}
	// One Pillow run for all the files it is the reference for.
	dir := t.TempDir()
	list := filepath.Join(dir, "list")
	if err := os.WriteFile(list, []byte(strings.Join(pillowFiles, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	runPillow(t, `
import os, sys
from PIL import Image
root, out = sys.argv[1], sys.argv[2]
for i, name in enumerate(open(sys.argv[3]).read().split("\n")):
    im = Image.open(os.path.join(root, name))
    open(os.path.join(out, str(i)), "wb").write(im.convert("RGBA").tobytes())
`, corpusDir, dir, list)
	for i, name := range pillowFiles {
		want, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		want = visible(want)
		data, _ := os.ReadFile(filepath.Join(corpusDir, name))
		pic, _ := imgproc.Decode(data, &imgproc.DecodeOptions{RGB: true})
		if got := visible(pixelsNRGBA(pic.Image)); !slices.Equal(got, want) {
			n, first := diffCount(got, want)
			t.Errorf("%s: %d bytes differ from Pillow's, the first at pixel %d", name, n, first/4)
		}
		golden[name] = digest(want)
	}
	if *update {
		js, _ := json.MarshalIndent(golden, "", "\t")
		if err := os.WriteFile(corpusGolden, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// visible returns the RGBA bytes with the colour of fully transparent
// pixels zeroed: it is not seen, and decoders differ on it (image/gif
// makes a GIF's transparent index (0, 0, 0, 0), Pillow keeps its palette
// colour under alpha 0).
func visible(pix []byte) []byte {
	for i := 0; i+3 < len(pix); i += 4 {
		if pix[i+3] == 0 {
			pix[i], pix[i+1], pix[i+2] = 0, 0, 0
		}
	}
	return pix
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestCorpusJPEGNearPillow holds the corpus' JPEGs to the bounds
// on the paths that are not bit-exact: decoded by the pure-Go codec, each
// is at least 45 dB from Pillow's decoding (or refused, for arithmetic
// coding, which image/jpeg does not read); blurred with blur=2 on the
// default path (the YCbCr planes), at least 45 dB from Pillow's
// GaussianBlur(2). Pillow runs live: it needs python3-pil.
func TestCorpusJPEGNearPillow(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "jpeg", "*.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var names []string
	for _, f := range files {
		if name := "jpeg/" + filepath.Base(f); corpusRefused[name] == nil {
			names = append(names, name)
		}
	}
	list := filepath.Join(dir, "list")
	if err := os.WriteFile(list, []byte(strings.Join(names, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	runPillow(t, `
import os, sys
from PIL import Image, ImageFilter
root, out = sys.argv[1], sys.argv[2]
for i, name in enumerate(open(sys.argv[3]).read().split("\n")):
    im = Image.open(os.path.join(root, name)).convert("RGB")
    im.save(os.path.join(out, "%d.png" % i))
    im.filter(ImageFilter.GaussianBlur(2)).save(os.path.join(out, "%d-blur.png" % i))
`, corpusDir, dir, list)
	blur, err := imgproc.ParseOps("blur=2")
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		data, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			t.Fatal(err)
		}
		want := mustReadPNG(t, filepath.Join(dir, strconv.Itoa(i)+".png"))
		pic, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGStd, RGB: true, KeepOrientation: true})
		switch {
		case err != nil && strings.Contains(name, "arithmetic") && errors.Is(err, imgproc.ErrUnsupported):
			t.Logf("%s: pure Go refuses it: %v", name, err)
		case err != nil:
			t.Errorf("%s: pure Go: %v", name, err)
		default:
			if db := psnr(pic.Image, want); db < 45 {
				t.Errorf("%s: pure Go is %.1f dB from Pillow, want at least 45", name, db)
			}
		}
		pic, err = imgproc.Decode(data, &imgproc.DecodeOptions{KeepOrientation: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		img, err := blur.ApplyPicture(t.Context(), pic, nil)
		if err != nil {
			t.Fatal(err)
		}
		if db := psnr(asPNG(t, img), mustReadPNG(t, filepath.Join(dir, strconv.Itoa(i)+"-blur.png"))); db < 45 {
			t.Errorf("%s: blur=2 is %.1f dB from Pillow's GaussianBlur(2), want at least 45", name, db)
		} else {
			t.Logf("%s: blur=2 %.1f dB from Pillow", name, db)
		}
	}
}

// asPNG returns img as imgproc writes it to a PNG: YCbCr planes converted
// to RGB as libjpeg converts them, as a viewer shows a JPEG of them.
func asPNG(tb testing.TB, img image.Image) image.Image {
	tb.Helper()
	var buf bytes.Buffer
	if err := imgproc.Encode(&buf, &imgproc.Picture{Image: img, Oriented: true}, &imgproc.EncodeOptions{Format: imgproc.PNG}); err != nil {
		tb.Fatal(err)
	}
	out, err := png.Decode(&buf)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
