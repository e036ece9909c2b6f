// Package store opens storage locations by URL and reads, writes, lists
// and checks objects there, atomically: an object appears whole or not at
// all.
//
// A location is a folder every machine can reach: file:///shared/out (a
// folder mounted on every machine), s3://bucket/prefix, gs://bucket/prefix
// or azblob://container/prefix. Query parameters configure the store as
// gocloud.dev/blob's URL openers take them (for S3: region, endpoint,
// use_path_style, disable_https, ...; see gocloud.dev/aws and
// gocloud.dev/blob/s3blob). Credentials come from each cloud's usual chain
// (for S3 the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY variables, the
// shared config files or the instance's role), never from the URL.
//
// [Parse] turns a URL into a [Location] at the edge of a program; [Open]
// opens it as a [Bucket]; [Buckets] keeps the buckets a long-lived process
// (a cluster worker) has opened, so that each is opened once, and opens
// objects named by URL for download.Downloader's Objects.
//
// Writes are atomic: an object store makes the object visible only when
// its upload completes (gocloud.dev/blob's writers), and file:// writes a
// hidden temporary file beside the object (".<name>.fanout-tmp-<digits>",
// internal/atomicfile's rule, as fanout's local output folders), flushes it
// and renames it into place, so that a cancelled or failed write leaves
// nothing behind. A process killed outright may leave a temporary file,
// never a partial object: [Bucket.List] leaves such files out and
// [Bucket.CleanTemp] removes them.
package store
