//go:build ((linux && !android) || (darwin && !ios) || windows) && (amd64 || arm64)

package turbojpeg

import (
	"fmt"

	"github.com/ebitengine/purego"
)

// bind resolves every function of api in the library handle h.
func bind(fn *api, h uintptr) error {
	ptrs := []any{
		&fn.initDecompress, &fn.initCompress, &fn.destroy, &fn.decompressHeader3,
		&fn.decompressToYUVPlanes, &fn.decompress2, &fn.compressFromYUVPlanes,
		&fn.compress2, &fn.getErrorStr2, &fn.getErrorCode, &fn.free,
	}
	addrs := make([]uintptr, len(symbols))
	for i, name := range symbols {
		addr, err := lookup(h, name)
		if err != nil {
			return fmt.Errorf("missing symbol %s: %w", name, err)
		}
		addrs[i] = addr
	}
	for i, p := range ptrs {
		purego.RegisterFunc(p, addrs[i])
	}
	return nil
}

func hasSymbol(h uintptr, name string) bool {
	_, err := lookup(h, name)
	return err == nil
}
