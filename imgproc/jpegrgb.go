package imgproc

import "image"

// jpegRGB converts the YCbCr planes that image/jpeg decodes to RGB as
// libjpeg does by default (and so as Pillow gets them): the chroma
// upsampled with libjpeg's "fancy" triangular filter where it has one
// (4:2:2, 4:2:0 and 4:4:0, for chroma planes over two samples wide), by
// replication otherwise, then converted with its fixed-point JFIF
// formula (jdcolor.c, 16 fraction bits). image/jpeg's own conversion
// replicates the chroma and rounds differently, 36 to 42 dB from Pillow on
// 4:2:0 photos; this is within the IDCT's differences of it.
//
// m must be as image/jpeg returns it: bounds at the origin, the planes'
// rows padded to whole blocks, which libjpeg's upsampler reads as well.
func jpegRGB(m *image.YCbCr) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, m.Rect.Dx(), m.Rect.Dy()))
	jpegRGBInto(out.Pix, out.Stride, m)
	return out
}

// jpegRGBInto is jpegRGB writing opaque RGBA pixels into pix, rows stride
// bytes apart.
func jpegRGBInto(pix []byte, stride int, m *image.YCbCr) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	if w == 0 || h == 0 {
		return
	}
	// Horizontal and vertical chroma factors, and the chroma planes' size
	// as libjpeg counts it (downsampled_width and _height).
	fx, fy, ok := chromaFactors(m.SubsampleRatio)
	if !ok {
		fx, fy = 1, 1
	}
	cw, ch := (w+fx-1)/fx, (h+fy-1)/fy
	fancy := (fx == 2 && fy == 1 && cw > 2) || (fx == 1 && fy == 2) || (fx == 2 && fy == 2 && cw > 2)
	cb, cr := make([]byte, w), make([]byte, w)
	crow := func(plane []byte, r int) []byte { return plane[r*m.CStride:] }
	for y := range h {
		cy := y / fy
		switch {
		case fancy && fy == 2:
			// The nearer chroma row and the next nearer: above for an
			// even output row, below for an odd one, the edge rows
			// repeated.
			far, bias := max(cy-1, 0), int32(1)
			if y%2 == 1 {
				far, bias = min(cy+1, ch-1), 2
			}
			if fx == 2 {
				fancyH2V2(cb, crow(m.Cb, cy), crow(m.Cb, far), cw)
				fancyH2V2(cr, crow(m.Cr, cy), crow(m.Cr, far), cw)
			} else {
				fancyH1V2(cb, crow(m.Cb, cy), crow(m.Cb, far), w, bias)
				fancyH1V2(cr, crow(m.Cr, cy), crow(m.Cr, far), w, bias)
			}
		case fancy:
			fancyH2V1(cb, crow(m.Cb, cy), cw)
			fancyH2V1(cr, crow(m.Cr, cy), cw)
		default:
			b, r := crow(m.Cb, cy), crow(m.Cr, cy)
			for x := range w {
				cb[x], cr[x] = b[x/fx], r[x/fx]
			}
		}
		luma := m.Y[y*m.YStride:][:w]
		row := pix[y*stride:][:4*w]
		for x, yy := range luma {
			p := row[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2], p[3] = jpegYCbCrToRGB(int32(yy), int32(cb[x]), int32(cr[x]))
		}
	}
}

// fancyH2V2 is libjpeg's h2v2_fancy_upsample for one output row: near is
// the nearer chroma row, far the next nearer; out gets 2·n samples (n
// over 2), of which the row's width is used.
func fancyH2V2(out, near, far []byte, n int) {
	col := func(i int) int32 { return int32(near[i])*3 + int32(far[i]) }
	put := func(i int, v int32) {
		if i < len(out) {
			out[i] = byte(v)
		}
	}
	this, next := col(0), col(1)
	put(0, (this*4+8)>>4)
	put(1, (this*3+next+7)>>4)
	last := this
	this = next
	for i := 1; i < n-1; i++ {
		next = col(i + 1)
		put(2*i, (this*3+last+8)>>4)
		put(2*i+1, (this*3+next+7)>>4)
		last, this = this, next
	}
	put(2*n-2, (this*3+last+8)>>4)
	put(2*n-1, (this*4+7)>>4)
}

// fancyH2V1 is libjpeg's h2v1_fancy_upsample for one row of n chroma
// samples (n over 2).
func fancyH2V1(out, in []byte, n int) {
	put := func(i int, v int32) {
		if i < len(out) {
			out[i] = byte(v)
		}
	}
	put(0, int32(in[0]))
	put(1, (int32(in[0])*3+int32(in[1])+2)>>2)
	for i := 1; i < n-1; i++ {
		v := int32(in[i]) * 3
		put(2*i, (v+int32(in[i-1])+1)>>2)
		put(2*i+1, (v+int32(in[i+1])+2)>>2)
	}
	put(2*n-2, (int32(in[n-1])*3+int32(in[n-2])+1)>>2)
	put(2*n-1, int32(in[n-1]))
}

// fancyH1V2 is libjpeg's h1v2_fancy_upsample for one output row of w
// samples: bias is 1 when far is the row above, 2 when below.
func fancyH1V2(out, near, far []byte, w int, bias int32) {
	for x := range w {
		out[x] = byte((int32(near[x])*3 + int32(far[x]) + bias) >> 2)
	}
}

// libjpeg's colour conversion constants: FIX(x) with 16 fraction bits.
const (
	jScale   = 16
	jHalf    = 1 << (jScale - 1)
	jFixCrR  = 91881  // FIX(1.40200)
	jFixCbB  = 116130 // FIX(1.77200)
	jFixCbG  = 22554  // FIX(0.34414)
	jFixCrG  = 46802  // FIX(0.71414)
	jpegHalf = 128    // CENTERJSAMPLE
)

// jpegYCbCrToRGB is libjpeg's ycc_rgb_convert for one pixel, with its
// tables' arithmetic (jdcolor.c build_ycc_rgb_table) and range limit.
func jpegYCbCrToRGB(y, cb, cr int32) (r, g, b, a byte) {
	cb -= jpegHalf
	cr -= jpegHalf
	clamp := func(v int32) byte { return byte(min(max(v, 0), 255)) }
	r = clamp(y + (jFixCrR*cr+jHalf)>>jScale)
	g = clamp(y + (-jFixCbG*cb+-jFixCrG*cr+jHalf)>>jScale)
	b = clamp(y + (jFixCbB*cb+jHalf)>>jScale)
	return r, g, b, 255
}

// clipEnergy returns the mean, over m's pixels (one in 16 for a picture
// over a quarter megapixel), of the squared amounts by which their RGB
// colours (each with its nearest chroma sample) fall outside [0, 255],
// summed over the channels: how much a conversion to RGB clips. Blurring
// the planes before that clipping, rather than after it as an RGB blur
// does, moves the result away from the RGB blur's where those colours
// are.
func clipEnergy(m *image.YCbCr) float64 {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	fx, fy, ok := chromaFactors(m.SubsampleRatio)
	if !ok || w == 0 || h == 0 {
		return 0
	}
	step := 1
	if w*h > 1<<18 {
		step = 4
	}
	sq := func(v int32) int64 {
		if v < 0 {
			return int64(v) * int64(v)
		}
		if v > 255 {
			return int64(v-255) * int64(v-255)
		}
		return 0
	}
	var sum int64
	n := 0
	for y := 0; y < h; y += step {
		luma := m.Y[y*m.YStride:][:w]
		cb, cr := m.Cb[(y/fy)*m.CStride:], m.Cr[(y/fy)*m.CStride:]
		for x := 0; x < w; x += step {
			b, r := int32(cb[x/fx])-jpegHalf, int32(cr[x/fx])-jpegHalf
			Y := int32(luma[x])
			sum += sq(Y+(jFixCrR*r+jHalf)>>jScale) + sq(Y+(-jFixCbG*b-jFixCrG*r+jHalf)>>jScale) + sq(Y+(jFixCbB*b+jHalf)>>jScale)
			n++
		}
	}
	return float64(sum) / float64(n)
}
