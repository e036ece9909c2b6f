package imgproc

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestResampleVectorMatchesPortable checks that the AVX2 kernels of the
// resampling passes compute the same bytes as the portable code, over
// many sizes, scales, filters and both pixel widths.
func TestResampleVectorMatchesPortable(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this machine: only the portable code runs")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		w, h := 1+rng.IntN(300), 1+rng.IntN(120)
		bpp := []int{1, 4}[rng.IntN(2)]
		f := Filter(rng.IntN(int(Lanczos) + 1))
		if f == Nearest {
			f = Bicubic
		}
		ow, oh := 1+rng.IntN(2*w), 1+rng.IntN(2*h)
		stride := w*bpp + rng.IntN(9)
		src := make([]byte, stride*(h-1)+w*bpp)
		for i := range src {
			src[i] = byte(rng.IntN(256))
		}
		box := [4]float64{0, 0, float64(w), float64(h)}
		useAVX2 = true
		vec, _ := resizePlane(src, stride, w, h, bpp, ow, oh, box, f, -1, nil)
		useAVX2 = false
		port, _ := resizePlane(src, stride, w, h, bpp, ow, oh, box, f, -1, nil)
		useAVX2 = true
		if !bytes.Equal(vec, port) {
			t.Fatalf("%dx%d (%d bytes a pixel, stride %d) to %dx%d with %s: AVX2 and portable results differ", w, h, bpp, stride, ow, oh, f)
		}
	}
}
