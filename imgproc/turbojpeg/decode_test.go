package turbojpeg_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-dev/fanout/imgproc/turbojpeg"
)

func TestDecodeConfig(t *testing.T) {
	l := mustLoad(t)
	tests := []struct {
		file string
		w, h int
		ss   turbojpeg.Subsampling
		cs   turbojpeg.ColorSpace
	}{
		{"skimage-chelsea.jpg", 451, 300, turbojpeg.Subsample420, turbojpeg.ColorSpaceYCbCr},
		{"sharp-concert.jpg", 0, 0, turbojpeg.SubsampleGray, turbojpeg.ColorSpaceGray},
		{"cmyk.jpg", 0, 0, 0, turbojpeg.ColorSpaceYCCK},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data := mustRead(t, filepath.Join(testdataDir, tc.file))
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			w, h, ss, cs, err := l.DecodeConfig(data)
			if err != nil {
				t.Fatal(err)
			}
			if w != cfg.Width || h != cfg.Height || (tc.w != 0 && (w != tc.w || h != tc.h)) {
				t.Errorf("DecodeConfig size = %dx%d, image/jpeg says %dx%d", w, h, cfg.Width, cfg.Height)
			}
			if tc.cs != turbojpeg.ColorSpaceYCCK && ss != tc.ss {
				t.Errorf("DecodeConfig subsampling = %v, want %v", ss, tc.ss)
			}
			if cs != tc.cs {
				t.Errorf("DecodeConfig colour space = %v, want %v", cs, tc.cs)
			}
		})
	}
}

// TestBadInput feeds damaged data to every decoding entry point: each must
// return an error naming the cause, never an image and never a crash.
func TestBadInput(t *testing.T) {
	l := mustLoad(t)
	good := mustRead(t, filepath.Join(testdataDir, "skimage-chelsea.jpg"))
	sos := bytes.Index(good, []byte{0xff, 0xda})
	tests := []struct {
		name   string
		data   []byte
		header bool // DecodeConfig fails too (the header itself is bad)
	}{
		{"empty", nil, true},
		{"text", []byte("this is not a JPEG file at all"), true},
		{"corrupt header", mustRead(t, filepath.Join(testdataDir, "corrupt-header.jpg")), true},
		{"truncated file", mustRead(t, filepath.Join(testdataDir, "truncated.jpg")), false},
		{"cut in header", good[:sos-20], true},
		{"cut after SOS", good[:sos+20], false},
		{"cut in half", good[:len(good)/2], false},
		{"cut before EOI", good[:len(good)-2], false},
		{"SOI only", []byte{0xff, 0xd8}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check := func(fn string, err error) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s succeeded, want an error", fn)
				}
				if !strings.HasPrefix(err.Error(), "turbojpeg: decode: ") || len(err.Error()) < len("turbojpeg: decode: ")+5 {
					t.Errorf("%s error = %q, want turbojpeg: decode: <cause>", fn, err)
				}
				if errors.Is(err, turbojpeg.ErrUnsupported) {
					t.Errorf("%s error %q wraps ErrUnsupported; damaged data is not unsupported", fn, err)
				}
			}
			img, decodeErr := l.Decode(tc.data)
			check("Decode", decodeErr)
			if img != nil {
				t.Errorf("Decode returned an image with the error")
			}
			yc, err := l.DecodeYCbCr(tc.data)
			check("DecodeYCbCr", err)
			if yc != nil {
				t.Errorf("DecodeYCbCr returned an image with the error")
			}
			_, _, _, _, err = l.DecodeConfig(tc.data)
			if tc.header {
				check("DecodeConfig", err)
			} else if err != nil {
				t.Errorf("DecodeConfig = %v, want the header read (it is intact)", err)
			}
			t.Logf("Decode: %v", decodeErr)
		})
	}
}

// TestCorruptScanData flips bytes across the entropy-coded data. libjpeg
// decodes some damage without noticing, as any decoder does; what matters
// is that every call returns and none crashes.
func TestCorruptScanData(t *testing.T) {
	l := mustLoad(t)
	good := mustRead(t, filepath.Join(testdataDir, "skimage-chelsea.jpg"))
	sos := bytes.Index(good, []byte{0xff, 0xda})
	var failed int
	for i := sos + 20; i < len(good)-2; i += 97 {
		bad := bytes.Clone(good)
		bad[i] ^= 0xa5
		if img, err := l.Decode(bad); err != nil {
			failed++
		} else if img.Bounds() != image.Rect(0, 0, 451, 300) {
			t.Fatalf("corrupt byte %d: bounds %v", i, img.Bounds())
		}
	}
	t.Logf("%d damaged inputs refused", failed)
}

// TestExtraneousBytes checks the one warning accepted: junk between
// segments, which leaves the image complete.
func TestExtraneousBytes(t *testing.T) {
	l := mustLoad(t)
	good := mustRead(t, filepath.Join(testdataDir, "skimage-chelsea.jpg"))
	n := len(good)
	junk := append(append(bytes.Clone(good[:n-2]), 0, 0, 0), good[n-2:]...)
	want, err := l.Decode(good)
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Decode(junk)
	if err != nil {
		t.Fatalf("Decode with junk before EOI: %v", err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(junk)); err != nil {
		t.Logf("image/jpeg refuses it: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("junk changed the image (-want +got):\n%s", diff)
	}
}

func TestUnsupported(t *testing.T) {
	l := mustLoad(t)
	for _, file := range []string{"sharp-concert.jpg", "cmyk.jpg"} {
		t.Run(file, func(t *testing.T) {
			_, err := l.DecodeYCbCr(mustRead(t, filepath.Join(testdataDir, file)))
			if !errors.Is(err, turbojpeg.ErrUnsupported) {
				t.Errorf("DecodeYCbCr = %v, want ErrUnsupported", err)
			}
		})
	}
}

// TestConcurrent decodes and encodes from many goroutines at once; every
// result must equal the one computed alone (TurboJPEG is deterministic).
// Run with -race.
func TestConcurrent(t *testing.T) {
	l := mustLoad(t)
	data := mustRead(t, filepath.Join(testdataDir, "skimage-chelsea.jpg"))
	img, err := l.DecodeYCbCr(data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := l.EncodeYCbCr(img, 80)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 8 {
				img, err := l.DecodeYCbCr(data)
				if err != nil {
					t.Errorf("goroutine %d, round %d: DecodeYCbCr: %v", g, i, err)
					return
				}
				got, err := l.EncodeYCbCr(img, 80)
				if err != nil {
					t.Errorf("goroutine %d, round %d: EncodeYCbCr: %v", g, i, err)
					return
				}
				if !bytes.Equal(got, want) {
					t.Errorf("goroutine %d, round %d: output differs from the sequential run", g, i)
					return
				}
				if _, err := l.Decode(data[:len(data)/3]); err == nil {
					t.Errorf("goroutine %d, round %d: truncated input decoded", g, i)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzDecode feeds arbitrary bytes to the decoders: they must return, not
// crash, and an image must match its header. Images over a small pixel
// budget are skipped after DecodeConfig, as callers do, so the fuzzer does
// not allocate gigabytes. The seeds are whole photos, which the fuzzer
// spends up to a minute minimising whenever one finds new coverage; run it
// with a bounded minimisation, for example
//
//	go test -run XXX -fuzz FuzzDecode -fuzztime 60s -fuzzminimizetime 50x ./imgproc/turbojpeg
func FuzzDecode(f *testing.F) {
	l := mustLoad(f)
	for _, name := range []string{"skimage-chelsea.jpg", "sharp-concert.jpg", "truncated.jpg", "corrupt-header.jpg", "cmyk.jpg"} {
		f.Add(mustRead(f, filepath.Join(testdataDir, name)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, h, _, _, err := l.DecodeConfig(data)
		if err != nil {
			return
		}
		if w*h > 1<<22 {
			return
		}
		img, err := l.Decode(data)
		if err != nil {
			return
		}
		if got, want := img.Bounds(), image.Rect(0, 0, w, h); got != want {
			t.Fatalf("Decode bounds %v, DecodeConfig said %v", got, want)
		}
		if yc, err := l.DecodeYCbCr(data); err == nil && yc.Bounds() != img.Bounds() {
			t.Fatalf("DecodeYCbCr bounds %v, Decode %v", yc.Bounds(), img.Bounds())
		}
	})
}

// TestUnknownSubsampling patches a 4:4:4 file's frame header to declare
// 4:1:0 sampling (luma 4x2), which TurboJPEG 2 cannot map to one of its
// layouts: DecodeConfig and Decode must report ErrUnsupported so that the
// caller falls back to image/jpeg.
func TestUnknownSubsampling(t *testing.T) {
	l := mustLoad(t)
	img := image.NewYCbCr(image.Rect(0, 0, 64, 32), image.YCbCrSubsampleRatio444)
	data, err := l.EncodeYCbCr(img, 80)
	if err != nil {
		t.Fatal(err)
	}
	sof := bytes.Index(data, []byte{0xff, 0xc0})
	// SOF0: marker, length(2), precision, height(2), width(2), count, then
	// per component: id, sampling (h<<4|v), table.
	if sof < 0 || data[sof+9] != 3 || data[sof+11] != 0x11 {
		t.Fatalf("unexpected frame header % x", data[sof:sof+19])
	}
	data[sof+11] = 0x42
	_, _, ss, _, err := l.DecodeConfig(data)
	if err == nil {
		// TurboJPEG 3 reads such headers and reports the layout as
		// unknown; Decode then takes the packed RGBA path.
		if ss != turbojpeg.SubsampleUnknown {
			t.Errorf("DecodeConfig subsampling = %v, want unknown", ss)
		}
		return
	}
	if !errors.Is(err, turbojpeg.ErrUnsupported) {
		t.Errorf("DecodeConfig = %v, want ErrUnsupported", err)
	}
	if _, err := l.Decode(data); !errors.Is(err, turbojpeg.ErrUnsupported) {
		t.Errorf("Decode = %v, want ErrUnsupported", err)
	}
	if _, err := l.DecodeYCbCr(data); !errors.Is(err, turbojpeg.ErrUnsupported) {
		t.Errorf("DecodeYCbCr = %v, want ErrUnsupported", err)
	}
}
