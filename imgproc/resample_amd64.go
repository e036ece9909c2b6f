package imgproc

//go:noescape
func resampleVAVX2(out, src *byte, stride int, k *int32, taps, n int)

//go:noescape
func resampleH4AVX2(out *byte, outStride int, in *byte, inStride int, first, k *int32, m, n int)

// resampleVVec computes the first columns (a multiple of 8) of one output
// row of resampleV with AVX2, from the len(k) rows of src starting at its
// first byte, stride bytes apart, and returns how many it did.
func resampleVVec(out, src []byte, stride int, k []int32) int {
	n := len(out) &^ 7
	if !useAVX2 || n == 0 || len(k) == 0 {
		return 0
	}
	_ = src[(len(k)-1)*stride+n-1]
	resampleVAVX2(&out[0], &src[0], stride, &k[0], len(k), n)
	return n
}

// resampleH4Vec computes the first outputs of four rows of a 1-byte
// horizontal pass with AVX2 (src and dst rows srcStride and dstStride
// apart, each source row at least c.inSize bytes), those whose taps,
// rounded up to a multiple of 8, stay inside the source rows. It returns
// how many outputs it did.
func resampleH4Vec(dst []byte, dstStride int, src []byte, srcStride int, c *coeffs) int {
	if !useAVX2 || c.outSize == 0 {
		return 0
	}
	kp, m := c.padded()
	n := c.outSize
	for n > 0 && int(c.first[n-1])+8*m > c.inSize {
		n--
	}
	if n == 0 {
		return 0
	}
	_ = src[3*srcStride+c.inSize-1]
	_ = dst[3*dstStride+n-1]
	resampleH4AVX2(&dst[0], dstStride, &src[0], srcStride, &c.first[0], &kp[0], m, n)
	return n
}

//go:noescape
func resampleH4BAVX2(out, in *byte, first, k *int32, pairs, n int)

// resampleRGBAVec computes the first outputs of one row of a 4-byte
// horizontal pass with AVX2 (in at least c.inSize pixels), those whose
// taps, rounded up to an even number, stay inside the row, and returns how
// many outputs it did.
func resampleRGBAVec(out, in []byte, c *coeffs) int {
	if !useAVX2 || c.outSize == 0 {
		return 0
	}
	kq, pairs := c.quads()
	n := c.outSize
	for n > 0 && int(c.first[n-1])+2*pairs > c.inSize {
		n--
	}
	if n == 0 {
		return 0
	}
	_ = in[4*c.inSize-1]
	_ = out[4*n-1]
	resampleH4BAVX2(&out[0], &in[0], &c.first[0], &kq[0], pairs, n)
	return n
}
