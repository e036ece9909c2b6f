package download

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
)

type sourceKind int

const (
	unsupported sourceKind = iota
	httpURL
	fileURL
	localPath
	objectURL
)

// classify tells what src names: an http(s) URL, a file URL, or a local
// path; with objects, any other URL ("scheme://...") is an object of a
// store, for objects to open, and without, unsupported. A Windows path
// such as C:\x.jpg is a local path.
func classify(src string, objects bool) (sourceKind, *url.URL, error) {
	scheme, _, isURL := strings.Cut(src, "://")
	if !isURL || strings.ContainsAny(scheme, `/\.`) {
		if src == "" {
			return unsupported, nil, fmt.Errorf("%w: empty", ErrUnsupported)
		}
		return localPath, nil, nil
	}
	u, err := url.Parse(src)
	if err != nil {
		return unsupported, nil, fmt.Errorf("%w: %w", ErrUnsupported, unwrapURLError(err))
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return unsupported, u, fmt.Errorf("%w: no host", ErrUnsupported)
		}
		return httpURL, u, nil
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return unsupported, u, fmt.Errorf("%w: file URL on host %q", ErrUnsupported, u.Host)
		}
		return fileURL, u, nil
	}
	if objects && u.Host != "" {
		return objectURL, u, nil
	}
	return unsupported, u, fmt.Errorf("%w: scheme %q", ErrUnsupported, u.Scheme)
}

// filePath returns the local path a file URL names.
func filePath(u *url.URL) string {
	p := u.Path
	if runtime.GOOS == "windows" && len(p) >= 3 && p[0] == '/' && p[2] == ':' {
		p = p[1:] // file:///C:/x.jpg
	}
	return filepath.FromSlash(p)
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
