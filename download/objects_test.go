package download_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/download"
)

// memObjects is a store of objects in memory, by URL.
type memObjects map[string][]byte

func (m memObjects) OpenObject(ctx context.Context, src string) (io.ReadCloser, int64, error) {
	b, ok := m[src]
	if !ok {
		return nil, 0, fs.ErrNotExist
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

func TestObjects(t *testing.T) {
	png := mustRead(t, "with-alpha.png")
	objs := memObjects{"s3://b/a.png": png, "s3://b/big.png": append(png, make([]byte, 4096)...), "s3://b/text": []byte("hello")}
	if _, err := new(download.Downloader).Fetch(t.Context(), "s3://b/a.png"); !errors.Is(err, download.ErrUnsupported) {
		t.Errorf("Fetch of an object without Objects = %v, want ErrUnsupported", err)
	}
	d := &download.Downloader{Objects: objs, MaxBytes: int64(len(png)) + 100}
	res, err := d.Fetch(t.Context(), "s3://b/a.png")
	if err != nil || !bytes.Equal(res.Data, png) || res.Format != "png" || res.Name != "a.png" {
		t.Fatalf("Fetch = %+v, %v", res, err)
	}
	for src, want := range map[string]error{
		"s3://b/big.png":     download.ErrTooLarge,
		"s3://b/text":        download.ErrUnknownFormat,
		"s3://b/missing.png": fs.ErrNotExist,
	} {
		_, err := d.Fetch(t.Context(), src)
		if !errors.Is(err, want) || !strings.Contains(err.Error(), src) {
			t.Errorf("Fetch(%s) = %v, want %v naming the source", src, err, want)
		}
	}
}
