// Package imgproc decodes, transforms and encodes images for batch jobs,
// with Pillow as its reference for results.
//
// # Decoding
//
// [Decode] takes the bytes of a file and sniffs the format from them (JPEG,
// PNG, GIF, WebP, BMP, TIFF, and HEIC and AVIF through the system's libheif,
// package imgproc/libheif, which applies their rotation and mirroring;
// without it they are refused with [ErrUnsupported], saying what to
// install), never from a name or a Content-Type. It reads the
// header first and refuses an image over the pixel budget
// ([DefaultMaxPixels], Pillow's limit, unless DecodeOptions.MaxPixels says
// otherwise) with a [*TooLargeError] before any pixel is allocated, so a
// 65-byte decompression bomb costs nothing. The EXIF orientation is applied
// unless DecodeOptions.KeepOrientation is set, the ICC profile is kept in
// Picture.ICC, and CMYK/YCCK JPEGs (Adobe-inverted) become RGB with Pillow's
// formula. Lossy WebP is converted to RGB as libwebp converts it (its
// chroma upsampling and limited-range BT.601 formula), bit-exact with
// Pillow, which decodes WebP with libwebp. Failures wrap [ErrFormat],
// [ErrTooLarge], [ErrTruncated], [ErrCorrupt] or [ErrUnsupported], and the
// decoder's own error.
//
// Animated GIFs and WebPs: Decode returns the first frame and reports the
// number of frames in Picture.Frames. [DecodeAnimation] gives every frame,
// composited as browsers and Pillow composite them (bit-exact with
// Pillow's frames, WebP's with libwebp's WebPAnimDecoder arithmetic),
// [Ops.ApplyAnimation] runs an operation list on each, and
// [EncodeAnimation] writes them as an animated GIF (the source's palette,
// or one made from the frames) or an animated WebP, with their delays and
// loop count.
//
// # Blur
//
// [GaussianBlur] is Pillow's ImageFilter.GaussianBlur(sigma): three passes
// of an extended box filter (Gwosdek et al., "Theoretical foundations of
// Gaussian convolution by extended box filtering", SSVM 2011) in 24-bit
// fixed point with Pillow's rounding and edge pixels replicated. It is
// bit-exact with Pillow on 8-bit RGB, RGBA and grey images, and its cost per
// pixel does not depend on sigma. [BoxBlur] and [UnsharpMask] are Pillow's
// filters of the same names, also bit-exact.
//
// The kernel never transposes the image: the vertical passes walk the rows
// in order with one accumulator per column, on strips narrow enough to stay
// in cache. On amd64 with AVX2 the inner loops are assembly working on eight
// samples at once (the horizontal passes on eight rows, interleaved by 8×8
// transposes in registers); elsewhere portable Go. Both paths compute the
// same integers. Scratch buffers (about one byte per pixel of the largest
// plane) come from a sync.Pool.
//
// A JPEG decodes to *image.YCbCr, and GaussianBlur blurs those planes
// directly: luma at sigma, chroma at sigma over its subsampling factor (for
// sigma of 2 or more, 4:4:4 chroma is first averaged down to 4:2:0, which
// JPEG encoders write anyway). The encoders take the planes as they are, so
// a decode-blur-encode job never converts colour, and blurs 1.5 samples per
// pixel where Pillow blurs 4 (RGBX). Against Pillow's RGB result the PSNR
// is 45 to 51 dB (sigma 2 to 15; the tests assert at least 45 dB), the
// difference coming mostly from the decoders' chroma upsampling.
//
// Images with transparency are blurred premultiplied by default, so that
// transparent pixels do not bleed their (invisible) colour into the edges;
// [AlphaStraight] gives Pillow's straight-alpha result.
//
// # Resampling
//
// [Resize], [Thumbnail] and [Reduce] are Pillow's Image.resize,
// Image.thumbnail and Image.reduce, bit-exact on 8-bit grey, RGB and RGBA
// images: the same six filters ([Filter]: nearest, box, bilinear, hamming,
// bicubic, lanczos) with the same supports, the same separable two-pass
// convolution with coefficients in 22-bit fixed point computed in the same
// order (boxes in single precision, as Pillow's C has them), the same
// rounding and clipping, edges handled by renormalising the truncated
// kernel, RGBA resampled premultiplied with Pillow's conversions, the
// reducing_gap step (a Reduce by whole factors, then the filter on what is
// left) and thumbnail's rounding of the size. 366 cases check it against
// Pillow 9.4 (every filter, up and down, odd sizes, one-pixel edges,
// fractional boxes, reducing gaps, ImageOps.fit); their digests are kept in
// testdata for machines without Pillow. The cost per output pixel grows
// with the scale factor (the kernel covers that many source pixels) but the
// cost per source pixel does not: about four multiply-adds per source
// pixel for bicubic, whatever the factor. On amd64 with AVX2 both passes
// run eight samples at once (one-byte planes four rows at a time, 4-byte
// pixels two taps at a time) with the same integers as the portable code:
// a 2560×1600 RGB photo resized to 800 px wide takes about 10 ms (Pillow:
// 30 ms), its YCbCr planes about 5.
//
// A JPEG's *image.YCbCr is resized plane by plane and stays YCbCr: luma
// as Pillow resizes "L", chroma over the same region of the picture. The
// output has full-resolution chroma, which the filter upsamples from the
// source's as libjpeg's upsampling does before an RGB resize (45 to 51 dB
// from resizing libjpeg's RGB with Pillow), or, when the caller says the
// result will be a JPEG (ApplyOptions.Output), 4:2:0 chroma made directly,
// denser chroma averaged 2×2 first (45 to 56 dB from what an encoder would
// get from the exact path). Either way it costs 1.5 to 3 samples a pixel
// against Pillow's 4 and no colour conversion.
//
// Shrink-on-load: [DecodeOptions].Draft lets a JPEG be decoded at 1/2, 1/4
// or 1/8 of its size in the DCT domain by libjpeg-turbo (Pillow's
// Image.draft does the same), the pixel budget counting the reduced size,
// so that a 40-megapixel photo can be thumbnailed under a budget of a few
// megapixels; [Ops.DraftScale] picks the scale as Pillow's thumbnail()
// does (at least twice the output) for a thumbnail operation, and at least
// the output size for a resize, as libvips and sharp do (the DCT scaling
// filters well: 45 to 54 dB from a full decode's result). The pure-Go
// decoder decodes fully and averages down by the same factor.
// [Ops.ApplyPicture] then computes the operation's size from the full
// picture. A thumbnail of a JPEG decoded to RGB (DecodeOptions.RGB, through
// libjpeg) is bit-exact with Pillow's Image.open(f).thumbnail(size), draft
// included; through the YCbCr planes or the pure-Go decoder it is within
// 45 dB of it (42 dB for a 37-pixel thumbnail of a 1/8-scale decode).
//
// Resampling results against Pillow's, by input and decode path:
//
//	lossless input (PNG, BMP, ...), grey, RGB, RGBA   bit-exact
//	JPEG, libjpeg-turbo with DecodeOptions.RGB         bit-exact (thumbnail, draft included)
//	JPEG, libjpeg-turbo, YCbCr planes (the default)    45 dB or more
//	JPEG, pure Go (image/jpeg, Reduce for a draft)     45 dB or more
//
// # Other operations
//
// [Crop], [Rotate], [FlipH], [FlipV], [Orient] and [Grayscale] (Pillow's
// "L" conversion). [ParseOps] reads an operation list such as
// "blur=15,resize=800x,grayscale" from a command line ([OpsHelp] lists the
// operations and the resize syntax: ImageMagick geometry, fill, inside
// and cover fits with a gravity, filters, only-shrink); its String method
// gives it back.
//
// # Encoding
//
// [Encode] writes JPEG (quality 75 by default, and 4:2:0 chroma, as Pillow),
// PNG, GIF, BMP, TIFF and, with the system's libwebp (package
// imgproc/libwebp, loaded at run time), WebP (lossy at quality 80 by
// default, or lossless; alpha kept), chosen by the caller ([FormatFromExt]
// maps an output name to a format). The ICC profile is kept (JPEG APP2
// segments, PNG iCCP, WebP ICCP) unless
// EncodeOptions.DropICC is set; EXIF and other metadata are dropped, and the
// pixels are always written upright. JPEG output of a translucent image is
// flattened on EncodeOptions.Background, white by default.
//
// # JPEG codecs
//
// When the system has libjpeg-turbo, JPEG goes through it (package
// imgproc/turbojpeg loads it at run time with purego, so no cgo is needed
// and go install works everywhere); otherwise through pure Go: image/jpeg
// decodes, and imgproc's own baseline encoder (image/jpeg's tables and DCT,
// 2.2× its speed) encodes 4:2:0 YCbCr and grey images. The [JPEGCodec]
// field of the options chooses (auto, turbo, std) and [CodecInfo] tells the
// user which codec runs and why.
//
// # Dependencies
//
// golang.org/x/image provides the WebP, BMP and TIFF decoders;
// github.com/gen2brain/webp (libwebp compiled to WebAssembly, run by wazero)
// writes WebP where the system has no libwebp; imgproc/turbojpeg,
// imgproc/libwebp and imgproc/libheif load the system's libjpeg-turbo,
// libwebp and libheif through github.com/ebitengine/purego. Nothing else
// outside the standard library.
//
// # Concurrency and cost
//
// Every function is safe for concurrent use and works on its own copies:
// inputs are never modified. Measured figures are in BENCH.md beside this
// file: on a 2560×1600 photo the YCbCr blur takes about 15 ms whatever
// sigma (one core, AVX2), and the W-cpu job (decode, blur 15, encode JPEG,
// every core busy) runs about 1.9× as fast as Pillow over a process pool in
// pure Go and 4.5× as fast with libjpeg-turbo; the W-thumb job (800 px
// thumbnails, JPEG q80) 2× as fast as sharp with libjpeg-turbo and 1.5×
// as fast as Pillow's pool in pure Go.
package imgproc
