//go:build race

package turbojpeg_test

// raceEnabled skips the shared corpus's large photos under the race detector:
// it cannot see into C, and decoding them with image/jpeg instrumented takes
// most of a minute.
const raceEnabled = true
