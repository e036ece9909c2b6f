package store

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// Schemes are the URL schemes a [Location] may have.
var Schemes = []string{"file", "s3", "gs", "azblob"}

// objectSchemes are the schemes of object stores (not file://).
var objectSchemes = []string{"s3", "gs", "azblob"}

// Location is a parsed storage location: a bucket (for file://, a folder)
// and a key prefix within it. The zero Location is not valid; make one
// with [Parse].
type Location struct {
	// Scheme is one of [Schemes].
	Scheme string
	// Bucket is the bucket or container name; for file:// the folder's
	// absolute path.
	Bucket string
	// Prefix is the key prefix of the location within the bucket: empty
	// or ending in "/".
	Prefix string
	// Query holds the options given to the store's opener (region,
	// endpoint, ...), as in the URL.
	Query url.Values
}

// ErrNotLocation is wrapped by the error [Parse] returns for a string that
// is not a storage URL.
var ErrNotLocation = errors.New("not a storage location")

// IsURL reports whether s starts with the scheme of a storage location
// ("s3://", "gs://", "azblob://" or "file://"), in any case.
func IsURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	for _, sc := range Schemes {
		if strings.EqualFold(scheme, sc) {
			return true
		}
	}
	return false
}

// IsObjectURL reports whether s starts with the scheme of an object store
// ("s3://", "gs://" or "azblob://"), not "file://".
func IsObjectURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	for _, sc := range objectSchemes {
		if strings.EqualFold(scheme, sc) {
			return true
		}
	}
	return false
}

// Parse parses a storage location URL: file:///abs/folder,
// s3://bucket[/prefix][?options], gs://bucket[/prefix] or
// azblob://container[/prefix]. The path below the bucket is the key
// prefix. Its error names s and the cause, and wraps [ErrNotLocation].
func Parse(s string) (Location, error) {
	fail := func(format string, a ...any) (Location, error) {
		return Location{}, fmt.Errorf("store: %q: %w: %s", s, ErrNotLocation, fmt.Sprintf(format, a...))
	}
	if !IsURL(s) {
		return fail("want a URL of scheme %s", strings.Join(Schemes, ", "))
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail("%v", err)
	}
	l := Location{Scheme: strings.ToLower(u.Scheme), Query: u.Query()}
	if u.Fragment != "" || u.User != nil {
		return fail("a location has no user information or fragment")
	}
	if l.Scheme == "file" {
		if u.Host != "" && u.Host != "localhost" {
			return fail("a file URL names a folder of this machine (file:///path), not one on host %q", u.Host)
		}
		p := path.Clean(u.Path)
		if !path.IsAbs(p) {
			return fail("a file URL needs an absolute path (file:///path)")
		}
		l.Bucket = p
		return l, nil
	}
	if u.Host == "" {
		return fail("no bucket name")
	}
	l.Bucket = u.Host
	if p := strings.Trim(u.Path, "/"); p != "" {
		if path.Clean(p) != p || strings.HasPrefix(p, "../") || p == ".." {
			return fail("the prefix %q is not a clean path", p)
		}
		l.Prefix = p + "/"
	}
	return l, nil
}

// String returns the location as a URL that [Parse] reads back.
func (l Location) String() string {
	u := l.url("")
	u.RawQuery = l.Query.Encode()
	return u.String()
}

// URL returns the URL of the object key in the location, without the
// location's options: a name to show, and for file:// the file's URL.
func (l Location) URL(key string) string {
	u := l.url(key)
	return u.String()
}

// Path returns the local path of the object key of a file:// location, or
// "" for an object store.
func (l Location) Path(key string) string {
	if l.Scheme != "file" {
		return ""
	}
	return path.Join(l.Bucket, l.Prefix, key)
}

func (l Location) url(key string) *url.URL {
	if l.Scheme == "file" {
		return &url.URL{Scheme: "file", Path: path.Join(l.Bucket, l.Prefix, key)}
	}
	p := l.Prefix + key
	if p != "" {
		p = "/" + p
	}
	return &url.URL{Scheme: l.Scheme, Host: l.Bucket, Path: p}
}

// bucketURL is the URL gocloud.dev/blob opens the location's bucket with:
// no prefix (keys are joined here), and for file:// the options that keep
// writes atomic on any mount and the folder free of side files.
func (l Location) bucketURL() string {
	q := url.Values{}
	for k, v := range l.Query {
		q[k] = v
	}
	u := &url.URL{Scheme: l.Scheme, Host: l.Bucket}
	if l.Scheme == "file" {
		u.Host, u.Path = "", l.Bucket
		// Temporary files beside their objects, so that the rename stays
		// on one file system (a shared mount); no ".attrs" side files;
		// the folder made if needed.
		for k, v := range map[string]string{"no_tmp_dir": "true", "metadata": "skip", "create_dir": "true"} {
			if !q.Has(k) {
				q.Set(k, v)
			}
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// SplitObject splits the URL of one object (s3://bucket/a/b.jpg) into its
// bucket's location (s3://bucket, with the URL's options) and its key
// (a/b.jpg).
func SplitObject(src string) (Location, string, error) {
	l, err := Parse(src)
	if err != nil {
		return Location{}, "", err
	}
	if l.Scheme == "file" {
		dir, file := path.Split(l.Bucket)
		if file == "" {
			return Location{}, "", fmt.Errorf("store: %q names a folder, not an object", src)
		}
		l.Bucket = path.Clean(dir)
		return l, file, nil
	}
	key := strings.TrimSuffix(l.Prefix, "/")
	if key == "" {
		return Location{}, "", fmt.Errorf("store: %q names a bucket, not an object", src)
	}
	l.Prefix = ""
	return l, key, nil
}

// Object returns the URL of the object key in the location, with the
// location's options, which [SplitObject] splits back.
func (l Location) Object(key string) string {
	u := l.url(key)
	u.RawQuery = l.Query.Encode()
	return u.String()
}
