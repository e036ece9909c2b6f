package turbojpeg

import "github.com/fanout-dev/fanout/internal/dynlib"

// bind resolves every function of api in the library.
func bind(fn *api, lib *dynlib.Library) error {
	return lib.Bind([]any{
		&fn.initDecompress, &fn.initCompress, &fn.destroy, &fn.decompressHeader3,
		&fn.decompressToYUVPlanes, &fn.decompress2, &fn.compressFromYUVPlanes,
		&fn.compress2, &fn.getErrorStr2, &fn.getErrorCode, &fn.free,
	}, symbols)
}
