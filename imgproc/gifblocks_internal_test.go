package imgproc

import (
	"bytes"
	"compress/lzw"
	"math/rand/v2"
	"testing"
)

// TestGIFLZWMatchesCompressLZW codes random indices with compress/lzw at
// every minimum code size it takes (2 to 8) and checks that gifLZW, which
// also takes 9 to 11, decodes them back, including streams long enough to
// fill the 4,096-entry table.
func TestGIFLZWMatchesCompressLZW(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for width := 2; width <= 8; width++ {
		for _, n := range []int{1, 7, 300, 20000} {
			in := make([]byte, n)
			for i := range in {
				// Runs and noise, so that long strings enter the table.
				if i > 0 && r.IntN(3) == 0 {
					in[i] = in[i-1]
				} else {
					in[i] = byte(r.IntN(1 << width))
				}
			}
			var buf bytes.Buffer
			w := lzw.NewWriter(&buf, lzw.LSB, width)
			w.Write(in)
			w.Close()
			got, err := gifLZW(buf.Bytes(), width, n)
			if err != nil {
				t.Fatalf("width %d, %d indices: %v", width, n, err)
			}
			if !bytes.Equal(got, in) {
				t.Fatalf("width %d, %d indices: decoded differently", width, n)
			}
		}
	}
	if _, err := gifLZW([]byte{0}, 12, 1); err == nil {
		t.Error("minimum code size 12 accepted")
	}
}

// TestGIFNormalizeFrameOutsideScreen checks that a frame coded with a
// large LZW code size and a descriptor far larger than the logical screen
// is refused before its indices are allocated.
func TestGIFNormalizeFrameOutsideScreen(t *testing.T) {
	data := []byte("GIF89a\x04\x00\x04\x00\x00\x00\x00" + // 4x4 screen, no colour table
		",\x00\x00\x00\x00\xff\xff\xff\xff\x00" + // a 65535x65535 frame
		"\x09\x02\x00\x00\x00;") // code size 9, a little data
	if _, err := gifNormalize(data); err == nil {
		t.Fatal("a frame of 65535x65535 on a 4x4 screen was decoded")
	}
}
