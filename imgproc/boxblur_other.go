//go:build !amd64

package imgproc

func boxStepVec(out []byte, acc []uint32, sub, add, far []byte, ww, fw uint32) int { return 0 }

func blurRowsVec(q []byte, src plane, bx box, passes int, sc *scratch) bool { return false }

// useAVX2 is always false off amd64.
var useAVX2 = false
