//go:build race

package lcms_test

// raceEnabled thins the comparisons over every 8-bit colour under the race
// detector, which slows the pure-Go loops tenfold.
const raceEnabled = true
