// Package libheif decodes HEIF images, HEIC (HEVC inside, as iPhones write
// them) and AVIF (AV1 inside), and encodes AVIF, with the system's libheif,
// loaded at run time
// without cgo (through the project's internal/dynlib, as imgproc/turbojpeg
// loads libjpeg-turbo), so that programs importing it still build with
// CGO_ENABLED=0.
//
// libheif reads the container and hands the coded image to its decoder
// plugins: libde265 for HEVC, dav1d or libaom for AV1 (Debian 12's libheif1
// 1.15 comes with all three). It applies the HEIF transformations (rotation,
// mirroring, clean aperture) itself, so the pixels come upright: an EXIF
// orientation in such a file must not be applied again. 10-bit images are
// converted to 8 bits a sample.
//
// A [Lib] is safe for concurrent use: every call works on a context of its
// own. Decoded pixels are copied out of the library's memory, which is
// then released.
package libheif
