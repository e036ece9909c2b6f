// Package imgproc decodes, transforms and encodes images for batch jobs,
// with Pillow as its reference for results.
//
// # Decoding
//
// [Decode] takes the bytes of a file and sniffs the format from them (JPEG,
// PNG, GIF, WebP, BMP, TIFF, and HEIC and AVIF through the system's libheif,
// package imgproc/libheif, which applies their crop, rotation and
// mirroring; an EXIF orientation in them, which iPhones write as well, is
// not applied again, as libvips does not), never from a name or a
// Content-Type. Without libheif, AVIF is read with libavif compiled to
// WebAssembly (see "AVIF without libheif" below), and HEIC is refused with
// [ErrUnsupported], saying what to install: HEIC has no portable fallback,
// since the WebAssembly builds of its decoder (github.com/gen2brain/heic)
// embed libheif and libde265, which are LGPL-3, statically, and HEVC is
// patent-encumbered. Decode reads the header first and refuses an image
// over the pixel budget ([DefaultMaxPixels], Pillow's limit, unless
// DecodeOptions.MaxPixels says otherwise) with a [*TooLargeError] before
// any pixel is allocated, so a 65-byte decompression bomb costs nothing.
// The EXIF orientation is applied unless DecodeOptions.KeepOrientation is
// set, the ICC profile is kept in Picture.ICC, and CMYK/YCCK JPEGs
// (Adobe-inverted) become RGB with Pillow's formula. Lossy WebP is
// converted to RGB as libwebp converts it (its chroma upsampling and
// limited-range BT.601 formula), bit-exact with Pillow, which decodes WebP
// with libwebp. Failures wrap [ErrFormat], [ErrTooLarge], [ErrTruncated],
// [ErrCorrupt] or [ErrUnsupported], and the decoder's own error.
//
// Right pixels or a refusal: every decoded image is what Pillow 9.4 gives
// for it (after the same conversion to RGB or RGBA), or, where Pillow is
// wrong or refuses the file, what libvips or the format's definition
// gives; anything else is refused with the cause. The decode corpus
// (testdata/corpus, 155 files made by the generators beside them; tests
// TestDecodeCorpus and TestTIFFCorpus) holds each format to it:
//
//	format  files  Pillow reads  fanout reads  reference and result
//	JPEG    20     19            19            Pillow, bit-exact (libjpeg-turbo; pure Go 61 dB, only its IDCT differs)
//	WebP    16     15            15            Pillow, bit-exact (lossy, lossless, alpha, animated first frame)
//	GIF     10     9             9             Pillow, bit-exact (LZW code sizes 2-11, no colour table)
//	BMP     34     26            29            Pillow, bit-exact; the format's pixels where Pillow is wrong
//	                                           (RLE delta, odd RLE4 runs) or refuses (2 bits, RLE ending early)
//	TIFF    75     66            71            Pillow or libvips (see TIFF below): bit-exact but for 5 files
//	                                           (L*a*b*, associated alpha) within stated PSNR
//
// The refusals are the files Pillow refuses too (cut files, JPEG inside
// BMP, 64-bit BMP, masks it cannot unpack) and two TIFF variants nothing
// here reads (CMYK with alpha, 4-bit RGB). Fully transparent pixels
// compare equal whatever their colour.
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
// default, or lossless; alpha kept), and AVIF (quality 50 by default, on
// libheif's scale, as libvips and sharp use it; alpha kept), chosen by the
// caller ([FormatFromExt] maps an output name to a format). The ICC profile
// is kept (JPEG APP2 segments, PNG iCCP, WebP ICCP, AVIF colr) unless
// EncodeOptions.DropICC is set; EXIF and other metadata are dropped, and the
// pixels are always written upright. JPEG output of a translucent image is
// flattened on EncodeOptions.Background, white by default.
//
// # AVIF without libheif
//
// Where the system has no libheif, AVIF is written and read with libavif
// 1.1.1 and libaom 3.10.0 compiled to WebAssembly
// (github.com/gen2brain/avif) and run in pure Go by wazero: the same
// quality scale (both give libaom the quantizer (100-quality)×63/100),
// 4:2:0 chroma, alpha at the same quality, libaom speed 6 (libheif's own
// default; the native path uses 5, which in WebAssembly costs six times as
// much for 0.2 dB). The wrapper writes no ICC profile, so Encode adds the
// colr box to its output itself; on reading, Decode applies the clean
// aperture, rotation and mirroring that libavif leaves to the caller, as
// libheif does, and reads the profile from the file. [AVIFInfo] and
// [HEIFInfo] say which codec runs and why.
//
// Measured on the 12 W-web photos (800×500, quality 50) on a 2-core
// x86-64 machine, the best of 3 runs each: the portable encoder takes 1.8
// times libheif's time over the set (1.0 to 3.0 times by photo; 1.9 times
// with both confined to one core: libheif's libaom has SIMD and threads,
// the WebAssembly build neither), for 0.4 % less data and 0.2 dB less
// (36.8 dB from the source against 37.0). Each process compiles the
// encoder once, on first use, in 1.3 to 2 s, and the decoder in 0.3 to 0.5
// s; a decode then takes about 90 ms where libheif takes 12 ms. libavif's
// pixels are 55 dB from libheif's on 8-bit files (their YCbCr-to-RGB
// arithmetic differs; on 10-bit ones 42 dB, libheif repeating chroma
// samples where libavif interpolates), and the wrapper premultiplies them,
// so colour under very low alpha is less precise.
//
// # TIFF
//
// TIFF is read with the system's libtiff when it has it (package
// imgproc/libtiff loads it at run time, as turbojpeg loads libjpeg-turbo),
// and otherwise with golang.org/x/image/tiff, which reads the baseline
// files only: grey, palette and RGB(A) of 1, 8 or 16 unsigned bits,
// interleaved, uncompressed, LZW, Deflate, PackBits or CCITT (white is
// zero). Without libtiff every other variant is refused with
// [ErrUnsupported], naming the variant and what to install, never decoded
// wrong (x/image ignores FillOrder 2 and separate planes, and inverts
// black-is-zero CCITT). With libtiff, every TIFF goes through it: on the
// corpus its pixels equal x/image's on every baseline file, and it decodes
// 2560×1600 photos 1.6 to 5 times as fast (BenchmarkDecodeTIFF, best of
// three on the shared 2-core machine: 8-bit RGB uncompressed 12 ms against
// 20, Deflate 77 against 124, LZW 76 against 212; 16-bit uncompressed 37
// against 81, Deflate 126 against 625). [TIFFInfo] says which decoder runs
// and why; Picture.Codec names it. Only the first image of a multi-page
// file is read; the orientation tag is applied as for other formats.
//
// 16-bit samples stay 16-bit (*image.Gray16, *image.RGBA64,
// *image.NRGBA64), as in libvips and Pillow's "I;16" modes, and so does a
// PNG or TIFF written from them; the operations (blur, resize, ...) and
// the 8-bit formats (JPEG, WebP, GIF, BMP) take the high byte (grey:
// rounded). 12-bit grey is scaled to 16 bits by bit replication (Pillow
// keeps the raw 12-bit values in "I;16", which then display dark);
// signed samples are clipped at 0 (Pillow's "I" and libvips keep the
// values, then clip them the same way when writing PNG); floating-point
// samples are clipped to [0, 255] and truncated, as Pillow's "F" to "L"
// and libvips' cast do. CMYK becomes RGB with Pillow's formula (16-bit
// CMYK through its high bytes, as Pillow reads it), L*a*b* becomes sRGB
// (relative to D50, Bradford-adapted, as LittleCMS converts it for
// Pillow); associated alpha stays premultiplied (*image.RGBA or
// *image.RGBA64), unassociated alpha straight.
//
// Measured on the corpus of testdata/corpus/tiff (75 files, TestTIFFCorpus)
// against Pillow 9.4 after its mode conversion (convert("RGBA"); "F"
// through "L"), or libvips 8.14 (vips copy to PNG) where Pillow is wrong
// or refuses, with libtiff 4.5:
//
//	variant (files)                                    reference        result
//	baseline 8-bit grey, RGB(A), palette, bilevel (12)  Pillow           bit-exact (x/image too)
//	associated alpha (1)                               Pillow           54 dB (Pillow unpremultiplies, truncating)
//	16-bit grey, also BigTIFF, FillOrder 2 (4)         Pillow "I;16"    bit-exact
//	16-bit RGB(A) (4)                                  libvips, Pillow  bit-exact (Pillow: the high bytes)
//	separate planes, 8-bit RGB(A), CMYK (4)            Pillow           bit-exact
//	separate planes, 16-bit, strips and tiles (4)      libvips          bit-exact (Pillow misreads them: 12.6 dB)
//	FillOrder 2, 8-bit RGB (1)                         Pillow           bit-exact
//	CMYK, 8 and 16 bits (4)                            Pillow           bit-exact
//	CIE L*a*b*, 8 bits (3)                             Pillow           61.7 dB (LittleCMS's interpolated table)
//	CIE L*a*b*, 16 bits (1)                            libvips          45.2 dB (libvips: D65, no adaptation)
//	JPEG: YCbCr, tiled, RGB, grey; old-style JPEG (6)  Pillow           bit-exact
//	uncompressed YCbCr 4:2:0 (1)                       source picture   40.8 dB (Pillow and libvips refuse it)
//	32-bit float grey, FP predictor (2); int16 (1)     Pillow           bit-exact
//	32-bit float RGB (1); int8 (1)                     libvips          bit-exact (Pillow refuses them)
//	2-, 4- and 12-bit grey, 4-bit palette (4)          Pillow           bit-exact (12-bit: scaled)
//	grey + alpha 8 bits (1); 16 bits (1)               Pillow; libvips  bit-exact
//	extra samples: unspecified, alpha + another (2)    Pillow           bit-exact
//	unsorted tags, BigTIFF, CCITT G3/G4 black-is-zero
//	(one FillOrder 2), G3 2-D, LZMA, ZSTD, WebP (10)   Pillow           bit-exact
//	two pages; orientation 6, also in a BigTIFF (3)    Pillow           bit-exact
//	CMYK with alpha; 4-bit RGB (2)                     (none reads them) refused, ErrUnsupported
//	cut in the directory; cut in the pixels (2)        (Pillow refuses) refused, ErrTruncated
//
// Pillow decodes 66 of the 75 files; fanout decodes 71 with libtiff and 21
// without (the baseline ones), refusing the rest.
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
// writes WebP where the system has no libwebp, and github.com/gen2brain/avif
// (libavif and libaom, likewise) writes and reads AVIF where it has no
// libheif; imgproc/turbojpeg,
// imgproc/libwebp, imgproc/libheif and imgproc/libtiff load the system's
// libjpeg-turbo, libwebp, libheif and libtiff through
// github.com/ebitengine/purego. Nothing else
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
