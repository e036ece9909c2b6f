//go:build !amd64

package imgproc

func boxStepVec(out, acc, sub, add, far []uint64, ww, fw uint64) int { return 0 }

func boxStepBytesVec(out []byte, acc, sub, add, far []uint64, ww, fw uint64) int { return 0 }

func blurRowsVec(q []uint64, src plane, bx box, passes int, sc *scratch) bool { return false }
