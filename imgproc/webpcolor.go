package imgproc

import "image"

// vp8ToRGB converts the planes of a lossy WebP (VP8) picture to RGB as
// libwebp's decoder does, and so as Pillow, which decodes WebP with
// libwebp, gets them: the chroma upsampled with libwebp's "fancy"
// upsampler (each output sample mixes the two nearest chroma rows 3:1 and
// columns 3:1, with its exact rounding) and converted with its fixed-point
// BT.601 limited-range formula (Y from 16 to 235). golang.org/x/image/webp
// returns these planes as an *image.YCbCr, whose colour model is JPEG's
// full-range one: taken as they are, white comes out (235, 235, 235).
//
// m must be 4:2:0 with bounds at the origin, as that decoder makes them.
// alpha, if not nil, is the alpha plane (rows alphaStride bytes apart):
// the result is then an *image.NRGBA, else an opaque *image.RGBA.
func vp8ToRGB(m *image.YCbCr, alpha []byte, alphaStride int) image.Image {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	r := image.Rect(0, 0, w, h)
	var pix []byte
	var stride int
	var out image.Image
	if alpha != nil {
		n := image.NewNRGBA(r)
		pix, stride, out = n.Pix, n.Stride, n
	} else {
		n := image.NewRGBA(r)
		pix, stride, out = n.Pix, n.Stride, n
	}
	if w == 0 || h == 0 {
		return out
	}
	cw := (w + 1) / 2
	chroma := func(row int) ([]byte, []byte) {
		o := row * m.CStride
		return m.Cb[o : o+cw], m.Cr[o : o+cw]
	}
	u, v := make([]byte, w), make([]byte, w)
	emit := func(y, near, far int) {
		nu, nv := chroma(near)
		fu, fv := chroma(far)
		fancyChroma(u, nu, fu)
		fancyChroma(v, nv, fv)
		row := pix[y*stride : y*stride+4*w]
		luma := m.Y[y*m.YStride : y*m.YStride+w]
		for x, yy := range luma {
			p := row[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2] = vp8R(int(yy), int(v[x])), vp8G(int(yy), int(u[x]), int(v[x])), vp8B(int(yy), int(u[x]))
			p[3] = 255
			if alpha != nil {
				p[3] = alpha[y*alphaStride+x]
			}
		}
	}
	// libwebp's EmitFancyRGB over a whole picture: the first row from the
	// first chroma row alone, then pairs of rows between two chroma rows,
	// and for an even height the last row from the last chroma row alone.
	emit(0, 0, 0)
	y := 0
	for ; y+2 < h; y += 2 {
		k := y / 2
		emit(y+1, k, k+1)
		emit(y+2, k+1, k)
	}
	if h%2 == 0 {
		last := (h - 1) / 2
		emit(h-1, last, last)
	}
	return out
}

// fancyChroma writes to out one row of chroma upsampled 2× horizontally
// and mixed from two chroma rows, the nearer near (weight 3/4) and the
// farther far, with libwebp's rounding (UPSAMPLE_FUNC in
// dsp/upsampling.c, which packs U and V in one word without carries
// between them, so that each computed alone gives the same result).
func fancyChroma(out, near, far []byte) {
	w := len(out)
	tl, l := int(near[0]), int(far[0])
	out[0] = byte((3*tl + l + 2) >> 2)
	for x := 1; x <= (w-1)>>1; x++ {
		t, c := int(near[x]), int(far[x])
		avg := tl + t + l + c + 8
		d12 := (avg + 2*(t+l)) >> 3
		d03 := (avg + 2*(tl+c)) >> 3
		out[2*x-1] = byte((d12 + tl) >> 1)
		out[2*x] = byte((d03 + t) >> 1)
		tl, l = t, c
	}
	if w%2 == 0 {
		out[w-1] = byte((3*tl + l + 2) >> 2)
	}
}

// libwebp's YUV to RGB conversion (dsp/yuv.h): 14-bit coefficients of
// the BT.601 limited-range matrix, the products' high halves as the SIMD
// code computes them, 6 fraction bits, clipped.
func vp8Clip(v int) byte {
	if v&^(256<<6-1) == 0 {
		return byte(v >> 6)
	}
	if v < 0 {
		return 0
	}
	return 255
}

func mulHi(v, c int) int { return (v * c) >> 8 }

func vp8R(y, v int) byte { return vp8Clip(mulHi(y, 19077) + mulHi(v, 26149) - 14234) }
func vp8G(y, u, v int) byte {
	return vp8Clip(mulHi(y, 19077) - mulHi(u, 6419) - mulHi(v, 13320) + 8708)
}
func vp8B(y, u int) byte { return vp8Clip(mulHi(y, 19077) + mulHi(u, 33050) - 17685) }
