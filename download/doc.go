// Package download fetches many images at once, safely.
//
// Downloading is waiting, not computing, so its concurrency is a setting of
// its own, far above the number of cores: a [Downloader] keeps up to
// MaxInFlight requests going (32 by default), at most MaxPerHost to one
// host, and its own HTTP client keeps that many idle connections per host
// for reuse (the standard transport keeps two, and a third concurrent
// request to a host then opens and closes a connection every time).
//
// Every source goes through the same call: [Downloader.Fetch] takes an http
// or https URL, a file URL or a plain path and returns the bytes with their
// format, sniffed from the bytes (internal/sniff), since CDNs serve WebP
// under ".jpg" and servers label files wrongly. [Downloader.Save] writes the
// result atomically (internal/atomicfile), and [Downloader.FetchAll] drives
// a whole list. The image pipeline hands each [Result]'s bytes to a CPU
// worker as soon as they arrive.
//
// # Failure
//
// Each attempt has three clocks: HeaderTimeout from request to response
// header (connect and first byte), StallTimeout on a body that stops
// moving, and ConnectTimeout on dialling (own client only); Timeout, off by
// default, bounds a whole fetch. Statuses 408, 429 and 5xx, resets, cut
// bodies, stalls and timeouts are retried with exponential backoff and
// jitter, honouring Retry-After; other statuses are not. A body may not
// exceed MaxBytes, checked against Content-Length and counted, and must be
// a whole image of a known format: internal/sniff's Truncated catches a
// body that is complete as far as HTTP knows but cut short by a
// Content-Length smaller than the file. Errors name the source, the cause
// and the attempts ("download: GET https://x/a.jpg: 503 Service
// Unavailable after 4 attempts") and can be inspected with errors.Is and
// errors.As: [*StatusError], [*Error], [ErrTooLarge], [ErrStalled],
// [ErrTimeout], [ErrTruncated], [ErrUnknownFormat].
//
// # Names
//
// A [Namer] derives a safe, unique file name from each source's path (see
// its documentation), and the extension from the real format. Collisions
// get a hash of the source as suffix. Names are assigned in the order they
// are asked for, so FetchAll reserves them in input order and the names of
// a batch do not depend on which download finishes first.
//
// # Progress
//
// OnEvent receives [Event] values (started, bytes, retrying, done,
// failed) from the goroutines doing the work; a renderer counts them.
//
// # Dependencies
//
// The standard library only, plus this module's internal/sniff and
// internal/atomicfile.
package download
