//go:build !race

package lcms_test

const raceEnabled = false
