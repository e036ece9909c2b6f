//go:build linux && !android && (amd64 || arm64)

package turbojpeg

import (
	"sync"

	"github.com/ebitengine/purego"
)

// glibc's mallopt parameters.
const (
	mTrimThreshold = -1
	mMmapThreshold = -3
)

// tuneMalloc keeps the C heap's large blocks in the heap. libjpeg
// allocates a progressive JPEG's coefficients, 12 to 24 MB for a
// 4-megapixel photo, zeroed, at every decode, and frees them after. glibc
// serves blocks that large with a fresh mmap unless a free of one has
// raised its threshold, which happens per process but is undone by the
// trimming of each thread's arena; decoding on the many OS threads of a Go
// program then pays a page fault per 4 KiB at every decode: 3,000 to 5,000
// faults and twice Pillow's time for such a photo, measured. A fixed
// threshold of 64 MiB and a trim threshold of 128 MiB make it reuse the
// memory (about 50 faults a decode). The C heap then keeps up to that
// much free memory per arena; Go's own heap is not affected. On a libc
// without mallopt (not glibc) nothing changes.
var tuneMalloc = sync.OnceFunc(func() {
	h, err := purego.Dlopen("libc.so.6", purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return
	}
	addr, err := purego.Dlsym(h, "mallopt")
	if err != nil {
		return
	}
	var mallopt func(param, value int32) int32
	purego.RegisterFunc(&mallopt, addr)
	mallopt(mMmapThreshold, 64<<20)
	mallopt(mTrimThreshold, 128<<20)
})
