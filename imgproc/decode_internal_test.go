package imgproc

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestDecodeErrorKeepsUnsupported checks that decodeError does not call
// data corrupt when decodeJPEG has already said why it cannot decode it
// (JPEGTurbo asked for on a system without libjpeg-turbo).
func TestDecodeErrorKeepsUnsupported(t *testing.T) {
	load := errors.New("turbojpeg: load libjpeg-turbo (tried libturbojpeg.so.0): not found")
	cause := fmt.Errorf("%w: libjpeg-turbo: %w", ErrUnsupported, load)
	data := []byte{0xff, 0xd8, 0xff, 0xd9}
	err := decodeError(JPEG, cause, data)
	if !errors.Is(err, ErrUnsupported) || !errors.Is(err, load) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrTruncated) {
		t.Errorf("decodeError(%v) = %v, want it to wrap ErrUnsupported and the load error only", cause, err)
	}
	const want = "imgproc: decode jpeg: unsupported image feature: libjpeg-turbo: turbojpeg: load"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("decodeError(%v) = %q, want it to start %q", cause, err, want)
	}
}
