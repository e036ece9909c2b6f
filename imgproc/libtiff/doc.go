// Package libtiff decodes TIFF images with the system's libtiff (Debian's
// libtiff6, Homebrew's libtiff), loaded at run time without cgo through the
// project's internal/dynlib, as imgproc/turbojpeg loads libjpeg-turbo, so
// that programs importing it still build with CGO_ENABLED=0.
//
// libtiff reads what the portable golang.org/x/image/tiff decoder does not:
// separate colour planes (PlanarConfiguration 2) in strips or tiles,
// FillOrder 2, BigTIFF, unsorted tags, 2-, 4- and 12-bit samples, signed and
// floating-point samples, extra samples, CMYK, CIE L*a*b*, YCbCr, JPEG and
// old-style JPEG, CCITT, LZMA, ZSTD and WebP compression, and more.
//
// # Reading
//
// The data is read from memory: libtiff is given read, seek and size
// callbacks (made once per process with purego.NewCallback, since callbacks
// are a limited resource) that look the call's data up in a table of open
// handles, so a [Lib] is safe for concurrent use. Only the first image
// (directory) of a multi-page file is read, and the pixels come in the
// order they are stored: the Orientation tag is reported by
// [Lib.DecodeConfig], not applied.
//
// [Lib.Decode] takes one of two ways:
//
//   - Grey, RGB, CMYK and CIE L*a*b* images of 8, 12, 16, 32 and 64 bits a
//     sample (unsigned, signed or floating point as the depth allows),
//     interleaved or in separate planes, any compression but YCbCr JPEG and
//     old-style JPEG, are read strip by strip or tile by tile with
//     TIFFReadEncodedStrip and TIFFReadEncodedTile: libtiff decompresses,
//     undoes the predictor, the fill order and the byte order, and this
//     package interleaves the planes. 16-bit samples stay 16-bit
//     (*image.Gray16, *image.RGBA64, *image.NRGBA64), 12-bit ones are scaled
//     to 16 bits by bit replication, signed integers are clipped to
//     [0, 65535] (to [0, 255] for 8 bits), and floating-point samples to
//     [0, 255] and truncated, as Pillow's "F" to "L" conversion and libvips'
//     cast do. CMYK comes as *image.CMYK, the high byte of 16-bit samples,
//     as Pillow reads it; the caller converts it. L*a*b* (CIELab or ICCLab,
//     8 or 16 bits) is converted to sRGB as LittleCMS converts it: relative
//     to D50, Bradford-adapted to sRGB's D65 (libtiff's own conversion,
//     with a display model of its own, is 29 dB from Pillow's).
//   - Everything else libtiff's RGBA interface handles (palettes, 1-, 2- and
//     4-bit grey, YCbCr raw or JPEG-compressed, old-style JPEG, LogLuv, ...)
//     is read with TIFFReadRGBAImageOriented into 8-bit RGBA, and returned
//     as *image.Gray for grey images, an opaque *image.RGBA, or a
//     premultiplied *image.RGBA when there is alpha (libtiff premultiplies).
//
// # Errors
//
// libtiff's error and warning handlers are replaced, process-wide, by
// handlers that file each message under the handle of the call it belongs
// to, so nothing is printed on stderr and the error a call returns quotes
// libtiff's own message. Images that this package or libtiff cannot
// represent give errors wrapping [ErrUnsupported], data that ends before
// its strips or tiles do [ErrTruncated], and images over the caller's pixel
// budget [ErrTooLarge], checked from the header before any pixel is
// allocated.
package libtiff
