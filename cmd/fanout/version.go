package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/fanout-dev/fanout/imgproc"
)

// version returns the module version fanout was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" {
		return "(unknown)"
	}
	return bi.Main.Version
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	cmd := newCommand("version", "Usage: fanout version\n\nPrints fanout's version, the Go version, and which JPEG, WebP, HEIC, AVIF and TIFF codecs are active and why.\n", stdout, stderr)
	if _, code, ok := cmd.parse(args, 0); !ok {
		return code
	}
	fmt.Fprintf(stdout, "fanout %s (%s, %s/%s, %d cores)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(stdout, "jpeg codec: %s\n", imgproc.CodecInfo(imgproc.JPEGAuto))
	fmt.Fprintf(stdout, "webp codec: reads WebP (golang.org/x/image; animations demuxed and composited by fanout), writes with %s\n", imgproc.WebPInfo())
	fmt.Fprintf(stdout, "gif codec: image/gif (animations composited by fanout, LZW of any code size)\n")
	fmt.Fprintf(stdout, "heic, avif codec: %s\n", imgproc.HEIFInfo())
	fmt.Fprintf(stdout, "tiff codec: %s\n", imgproc.TIFFInfo())
	fmt.Fprintf(stdout, "colour management (--srgb): %s\n", imgproc.CMSInfo())
	avif, err := imgproc.AVIFInfo()
	if err != nil {
		avif = "none: " + strings.TrimPrefix(err.Error(), "imgproc: ")
	}
	fmt.Fprintf(stdout, "avif encoder: %s\n", avif)
	return exitOK
}
