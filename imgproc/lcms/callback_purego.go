//go:build ((linux && !android) || (darwin && !ios) || windows) && (amd64 || arm64)

package lcms

import (
	"sync"

	"github.com/ebitengine/purego"
)

// errorCallback makes, once per process (purego makes a limited number of
// callbacks and never releases them), the C function LittleCMS calls with
// its error messages: void (*)(cmsContext, cmsUInt32Number, const char*).
// It files each message under the context it comes from.
var errorCallback = sync.OnceValues(func() (uintptr, error) {
	return purego.NewCallback(func(ctx, code uintptr, text *byte) uintptr {
		logs.note(ctx, cString(text))
		return 0
	}), nil
})
