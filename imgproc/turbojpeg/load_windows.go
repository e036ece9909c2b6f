//go:build windows && (amd64 || arm64)

package turbojpeg

var libraryNames = []string{
	"turbojpeg.dll",
	"libturbojpeg.dll",
	`C:\libjpeg-turbo64\bin\turbojpeg.dll`,
}
