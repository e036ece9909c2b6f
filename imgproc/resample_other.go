//go:build !amd64

package imgproc

func resampleVVec(out, src []byte, stride int, k []int32) int { return 0 }

func resampleH4Vec(dst []byte, dstStride int, src []byte, srcStride int, c *coeffs) int { return 0 }

func resampleRGBAVec(out, in []byte, c *coeffs) int { return 0 }
