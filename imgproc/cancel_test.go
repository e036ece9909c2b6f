package imgproc_test

import (
	"context"
	"errors"
	"image"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// countingCtx is a context whose Err counts its calls and reports
// cancellation from call number cancelAt on (never when it is 0).
type countingCtx struct {
	context.Context
	calls, cancelAt int
}

func (c *countingCtx) Err() error {
	c.calls++
	if c.cancelAt > 0 && c.calls >= c.cancelAt {
		return context.Canceled
	}
	return nil
}

// TestApplyStopsInsideOperations checks that a long operation looks at
// its context often (so that a cancelled item gives its CPU back within a
// few milliseconds, not when the operation ends) and stops at the first
// look after the cancellation.
func TestApplyStopsInsideOperations(t *testing.T) {
	const w, h = 1024, 768
	rgb := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range rgb.Pix {
		rgb.Pix[i] = byte(i * 7)
	}
	for i := 3; i < len(rgb.Pix); i += 4 {
		rgb.Pix[i] = 255
	}
	ycc := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	strips := (w + 127) / 128
	for _, tc := range []struct {
		name, ops string
		img       image.Image
		looks     int // at least: for a blur once per plane and strip of 128 columns
	}{
		{"blur RGB", "blur=15", rgb, 3 * strips},
		{"boxblur RGB", "boxblur=4", rgb, 3 * strips},
		{"sharpen RGB", "sharpen=2", rgb, 3 * strips},
		{"blur YCbCr", "blur=15", ycc, strips},
		// Every 64 rows of each pass: 768 rows across, 1536 down.
		{"resize RGB up", "resize=2048x1536:lanczos", rgb, 768/64 + 1536/64},
		{"resize YCbCr up", "resize=2048x1536", ycc, 768/64 + 1536/64},
		{"resize RGB down", "resize=1000x700", rgb, 768/64 + 700/64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := imgproc.ParseOps(tc.ops)
			if err != nil {
				t.Fatal(err)
			}
			ctx := &countingCtx{Context: context.Background()}
			if _, err := ops.Apply(ctx, tc.img); err != nil {
				t.Fatal(err)
			}
			if ctx.calls < tc.looks {
				t.Errorf("%s looked at its context %d times, want at least %d", tc.ops, ctx.calls, tc.looks)
			}
			stop := ctx.calls / 2
			ctx = &countingCtx{Context: context.Background(), cancelAt: stop}
			out, err := ops.Apply(ctx, tc.img)
			if !errors.Is(err, context.Canceled) || out != nil {
				t.Fatalf("cancelled mid-way: %v, %v; want context.Canceled and no image", out, err)
			}
			if ctx.calls != stop {
				t.Errorf("went on for %d more looks after the cancellation", ctx.calls-stop)
			}
		})
	}
}
