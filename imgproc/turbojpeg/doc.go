// Package turbojpeg decodes and encodes JPEG images with libjpeg-turbo's
// TurboJPEG library, loaded at run time.
//
// The library is opened with the project's internal/dynlib, over
// [github.com/ebitengine/purego], rather than cgo, so the package (and every
// program importing it) still builds with CGO_ENABLED=0 and installs with a
// plain go install. When the shared library is absent, [Load] returns an
// error that says which files were tried, and the caller keeps using
// image/jpeg. purego is the one dependency: it is the maintained way to call
// C from Go without cgo.
//
// Runtime loading works on linux, macOS and Windows on amd64 and arm64
// (purego's first-tier platforms). Elsewhere the package still compiles and
// [Load] reports that loading is unsupported.
//
// # Library versions
//
// The package calls the TurboJPEG 2.x API (tjInitDecompress, tjDecompress2,
// tjCompressFromYUVPlanes, ...), which libjpeg-turbo 2.0 and later export,
// 3.x included. Debian 12 ships 2.1.5 as libturbojpeg0.
//
// # Images
//
// JPEG stores YCbCr planes with subsampled chroma, and so does
// [image.YCbCr]. [Lib.DecodeYCbCr] has the library write its planes
// straight into an image.YCbCr (no colour conversion, no chroma upsampling),
// and [Lib.EncodeYCbCr] compresses from such planes, so a decode, filter,
// encode pipeline never converts colour. [Lib.Decode] returns the same
// concrete types as image/jpeg: *image.YCbCr, *image.Gray, *image.CMYK for
// CMYK and YCCK files, and *image.RGBA for RGB-coded files (and, with a
// TurboJPEG 3 library, for chroma layouts image.YCbCr cannot hold; TurboJPEG
// 2 refuses those with [ErrUnsupported]).
//
// The encoders write baseline JPEGs with libjpeg's standard Huffman tables
// and its accurate integer DCT, as Pillow does by default. libjpeg-turbo
// itself reads TJ_OPTIMIZE, TJ_ARITHMETIC, TJ_RESTART and TJ_PROGRESSIVE
// from the environment when compressing; this package sets none of them.
//
// # Errors
//
// Corrupt and truncated input gives an error of the form
// "turbojpeg: decode: <library message>", never a partial image. libjpeg
// reports some damage as a warning and carries on (a truncated file
// decodes with its missing rows filled in grey); this package turns every
// warning into an error except "extraneous bytes before marker", which libjpeg
// and image/jpeg both accept because the pixels are complete (and then only
// when the data ends with the EOI marker, since libjpeg keeps only the first
// warning's message). A file that lacks its final EOI marker counts as
// truncated, as it does for image/jpeg. Input this
// package cannot represent, or that TurboJPEG cannot decode, gives an error
// wrapping [ErrUnsupported]: callers fall back to image/jpeg on it.
//
// # Concurrency and memory
//
// A [Lib] is safe for concurrent use. TurboJPEG handles are not, so each call
// takes a handle from a small free list owned by the Lib and puts it back
// afterwards; handles are never shared between goroutines. Buffers handed to
// the library are Go memory, pinned with [runtime.Pinner] where the library
// receives an array of pointers, and kept alive for the call; encoded output
// is copied out of the library's buffer, which is then freed.
package turbojpeg
