package imgproc

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// refBlur is the blur written as directly as possible from Pillow's
// formula, one sample at a time, for checking the optimised kernel.
func refBlur(src []byte, w, h int, bx, by box, passes int) []byte {
	cur := append([]byte(nil), src...)
	pass := func(get func(i, k int) byte, set func(i, k int, v byte), n, lines int, b box) {
		for i := 0; i < lines; i++ {
			line := make([]byte, n)
			for k := range line {
				line[k] = get(i, k)
			}
			at := func(k int) uint32 { return uint32(line[min(max(k, 0), n-1)]) }
			for k := 0; k < n; k++ {
				var acc uint32
				for d := -b.r; d <= b.r; d++ {
					acc += at(k + d)
				}
				v := acc*b.ww + (at(k-b.r-1)+at(k+b.r+1))*b.fw
				set(i, k, byte((v+1<<23)>>24))
			}
		}
	}
	for p := 0; p < passes; p++ {
		pass(func(y, x int) byte { return cur[y*w+x] }, func(y, x int, v byte) { cur[y*w+x] = v }, w, h, bx)
	}
	for p := 0; p < passes; p++ {
		pass(func(x, y int) byte { return cur[y*w+x] }, func(x, y int, v byte) { cur[y*w+x] = v }, h, w, by)
	}
	return cur
}

// TestKernelPaths checks the SWAR and AVX2 paths of blurPlane against the
// reference, on sizes that exercise odd widths, strips, edges wider than the
// image and both vector paths.
func TestKernelPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := [][2]int{{1, 1}, {2, 3}, {7, 5}, {9, 17}, {64, 9}, {67, 20}, {130, 11}, {31, 40}, {263, 13}}
	radii := []float32{0, 0.6, 1, 2.5, 7.3, 30}
	saved := useAVX2
	defer func() { useAVX2 = saved }()
	for _, sz := range sizes {
		w, h := sz[0], sz[1]
		src := make([]byte, w*h)
		for i := range src {
			src[i] = byte(rng.IntN(256))
		}
		for _, rad := range radii {
			for _, passes := range []int{1, 3} {
				bx, by := newBox(rad), newBox(rad*0.7)
				want := refBlur(src, w, h, bx, by, passes)
				for _, vec := range []bool{false, saved} {
					t.Run(fmt.Sprintf("%dx%d/r=%v/passes=%d/avx2=%v", w, h, rad, passes, vec), func(t *testing.T) {
						useAVX2 = vec
						dst := plane{pix: make([]byte, w*h), w: w, h: h, stride: w}
						blurPlane(dst, plane{pix: src, w: w, h: h, stride: w}, bx, by, passes, nil)
						for i := range want {
							if dst.pix[i] != want[i] {
								t.Fatalf("sample %d (x %d, y %d) = %d, want %d", i, i%w, i/w, dst.pix[i], want[i])
							}
						}
					})
				}
			}
		}
	}
}
