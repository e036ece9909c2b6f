// Package libwebp encodes WebP images with the system's libwebp, loaded at
// run time without cgo (through the project's internal/dynlib, as
// imgproc/turbojpeg loads libjpeg-turbo), so that programs importing it
// still build with CGO_ENABLED=0.
//
// It calls libwebp's simple encoding API (WebPEncodeRGB, WebPEncodeRGBA and
// their lossless forms), which every libwebp since 0.5 exports: Debian 12
// ships 1.2.4 as libwebp7. Lossy output uses libwebp's defaults (method 4,
// the same as cwebp, Pillow and sharp by default) at the quality given;
// lossless output keeps every pixel, alpha included. When the library is
// absent [Load] says which files it tried.
//
// A [Lib] is safe for concurrent use: the simple API keeps no state between
// calls. Encoded output is copied out of the library's buffer, which is then
// freed.
package libwebp
