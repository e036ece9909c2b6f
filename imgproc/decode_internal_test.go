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

// TestDecoderPanic checks the error Decode returns for a decoder that
// panics: corrupt data, the panic's value in the message, and its stack
// for whoever reports it.
func TestDecoderPanic(t *testing.T) {
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = decoderPanic(PNG, r)
			}
		}()
		var rows []int
		_ = rows[3] // a decoder indexing past its buffer
	}()
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("error %v does not wrap ErrCorrupt", err)
	}
	const want = "imgproc: decode png: corrupt image: decoder panicked: runtime error: index out of range [3] with length 0"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	var pe *DecoderPanicError
	if !errors.As(err, &pe) || !strings.Contains(string(pe.Stack), "TestDecoderPanic") {
		t.Errorf("error %v carries no stack through the test function", err)
	}
}
