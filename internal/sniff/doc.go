// Package sniff names an image format from a file's first bytes.
//
// The format of a downloaded or local image is decided by its content alone,
// never by a URL's extension or a Content-Type header: CDNs that negotiate
// formats serve WebP or AVIF under a ".jpg" path, and servers mislabel files.
// [net/http.DetectContentType] knows JPEG, PNG, GIF, WebP and BMP but not the
// ISO-BMFF formats, so [Format] reads the "ftyp" box brands itself to tell AVIF
// from HEIC.
//
// Format needs at most the first 512 bytes of a file (less for most formats);
// passing more is harmless. [Truncated] takes the whole file and tells
// whether it ends before its own structure says it should, which catches
// bodies cut short behind a lying Content-Length.
package sniff
