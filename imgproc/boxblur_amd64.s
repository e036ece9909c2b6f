#include "textflag.h"

// func cpuHasAVX2() bool
TEXT ·cpuHasAVX2(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	// OSXSAVE (bit 27) and AVX (bit 28) in ECX.
	MOVL CX, R8
	ANDL $0x18000000, R8
	CMPL R8, $0x18000000
	JNE  no
	// The OS saves the XMM and YMM registers.
	XORL CX, CX
	XGETBV
	ANDL $6, AX
	CMPL AX, $6
	JNE  no
	// AVX2 (bit 5 of EBX, leaf 7).
	MOVL $7, AX
	XORL CX, CX
	CPUID
	ANDL $0x20, BX
	JZ   no
	MOVB $1, ret+0(FP)
	RET
no:
	MOVB $0, ret+0(FP)
	RET

// Byte shuffle gathering byte 0 of each dword into the low 4 bytes of each
// 128-bit lane, and the dword permutation joining the two lanes' results.
DATA packbytes<>+0(SB)/8, $0x808080800c080400
DATA packbytes<>+8(SB)/8, $0x8080808080808080
DATA packbytes<>+16(SB)/8, $0x808080800c080400
DATA packbytes<>+24(SB)/8, $0x8080808080808080
GLOBL packbytes<>(SB), RODATA|NOPTR, $32
DATA packlanes<>+0(SB)/8, $0x0000000400000000
DATA packlanes<>+8(SB)/8, $0x0000000000000000
DATA packlanes<>+16(SB)/8, $0x0000000000000000
DATA packlanes<>+24(SB)/8, $0x0000000000000000
GLOBL packlanes<>(SB), RODATA|NOPTR, $32

// func boxStepAVX2(out *byte, acc *uint32, sub, add, far *byte, n int, ww, fw uint32)
//
// One row of a vertical pass, for i in [0, n), n a positive multiple of 8:
//	acc[i] += add[i] - sub[i]
//	out[i] = (acc[i]*ww + (sub[i]+far[i])*fw + 1<<23) >> 24
TEXT ·boxStepAVX2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ acc+8(FP), SI
	MOVQ sub+16(FP), R8
	MOVQ add+24(FP), R9
	MOVQ far+32(FP), R10
	MOVQ n+40(FP), CX
	MOVL ww+48(FP), AX
	MOVQ AX, X0
	VPBROADCASTD X0, Y0
	MOVL fw+52(FP), AX
	MOVQ AX, X1
	VPBROADCASTD X1, Y1
	MOVL $0x800000, AX
	MOVQ AX, X2
	VPBROADCASTD X2, Y2
	VMOVDQU packbytes<>(SB), Y7
	VMOVDQU packlanes<>(SB), Y8
	XORQ BX, BX
sloop:
	VPMOVZXBD (R8)(BX*1), Y4
	VPMOVZXBD (R9)(BX*1), Y6
	VMOVDQU   (SI)(BX*4), Y5
	VPADDD    Y6, Y5, Y5
	VPSUBD    Y4, Y5, Y5
	VMOVDQU   Y5, (SI)(BX*4)
	VPMULLD   Y0, Y5, Y5
	VPMOVZXBD (R10)(BX*1), Y6
	VPADDD    Y6, Y4, Y4
	VPMULLD   Y1, Y4, Y4
	VPADDD    Y4, Y5, Y5
	VPADDD    Y2, Y5, Y5
	VPSRLD    $24, Y5, Y5
	VPSHUFB   Y7, Y5, Y5
	VPERMD    Y5, Y8, Y5
	VMOVQ     X5, (DI)(BX*1)
	ADDQ $8, BX
	SUBQ $8, CX
	JNZ  sloop
	VZEROUPPER
	RET

// func boxLineAVX2(out, p *uint32, w, r int, ww, fw uint32)
//
// One box pass over 8 lines at once, interleaved: position i of line j is
// p[8*i+j]. p holds the w positions of the lines with r+1 copies of the
// first and of the last position on each side (edges replicated), so no
// index needs clamping; out receives the w results. w must be positive.
TEXT ·boxLineAVX2(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ w+16(FP), CX
	MOVQ r+24(FP), DX
	MOVL ww+32(FP), AX
	MOVQ AX, X0
	VPBROADCASTD X0, Y0
	MOVL fw+36(FP), AX
	MOVQ AX, X1
	VPBROADCASTD X1, Y1
	MOVL $0x800000, AX
	MOVQ AX, X2
	VPBROADCASTD X2, Y2
	// acc = p[0] + ... + p[2r], the window of position -1.
	VPXOR Y3, Y3, Y3
	LEAQ 1(DX)(DX*1), R8
	MOVQ SI, R9
accloop:
	VPADDD (R9), Y3, Y3
	ADDQ $32, R9
	DECQ R8
	JNZ  accloop
	// sub = p[x], add = p[x+2r+1], far = p[x+2r+2].
	MOVQ SI, R10
	LEAQ 1(DX)(DX*1), R8
	SHLQ $5, R8
	LEAQ (SI)(R8*1), R11
	LEAQ 32(R11), R12
	XORQ BX, BX
lloop:
	VMOVDQU (R10)(BX*1), Y4
	VPADDD  (R11)(BX*1), Y3, Y3
	VPSUBD  Y4, Y3, Y3
	VPMULLD Y0, Y3, Y5
	VPADDD  (R12)(BX*1), Y4, Y4
	VPMULLD Y1, Y4, Y4
	VPADDD  Y4, Y5, Y5
	VPADDD  Y2, Y5, Y5
	VPSRLD  $24, Y5, Y5
	VMOVDQU Y5, (DI)(BX*1)
	ADDQ $32, BX
	DECQ CX
	JNZ  lloop
	VZEROUPPER
	RET

// TRANSPOSE8 transposes the 8×8 matrix of dwords whose rows are Y0..Y7;
// its rows come out in Y8..Y15.
#define TRANSPOSE8 \
	VPUNPCKLDQ  Y1, Y0, Y8 \
	VPUNPCKHDQ  Y1, Y0, Y9 \
	VPUNPCKLDQ  Y3, Y2, Y10 \
	VPUNPCKHDQ  Y3, Y2, Y11 \
	VPUNPCKLDQ  Y5, Y4, Y12 \
	VPUNPCKHDQ  Y5, Y4, Y13 \
	VPUNPCKLDQ  Y7, Y6, Y14 \
	VPUNPCKHDQ  Y7, Y6, Y15 \
	VPUNPCKLQDQ Y10, Y8, Y0 \
	VPUNPCKHQDQ Y10, Y8, Y1 \
	VPUNPCKLQDQ Y11, Y9, Y2 \
	VPUNPCKHQDQ Y11, Y9, Y3 \
	VPUNPCKLQDQ Y14, Y12, Y4 \
	VPUNPCKHQDQ Y14, Y12, Y5 \
	VPUNPCKLQDQ Y15, Y13, Y6 \
	VPUNPCKHQDQ Y15, Y13, Y7 \
	VPERM2I128  $0x20, Y4, Y0, Y8 \
	VPERM2I128  $0x20, Y5, Y1, Y9 \
	VPERM2I128  $0x20, Y6, Y2, Y10 \
	VPERM2I128  $0x20, Y7, Y3, Y11 \
	VPERM2I128  $0x31, Y4, Y0, Y12 \
	VPERM2I128  $0x31, Y5, Y1, Y13 \
	VPERM2I128  $0x31, Y6, Y2, Y14 \
	VPERM2I128  $0x31, Y7, Y3, Y15

// func interleave8AVX2(dst *uint32, rows *[8]*byte, n int)
//
// dst[8*x+j] = rows[j][x] for x in [0, n), n a positive multiple of 8.
TEXT ·interleave8AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ rows+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ 0(SI), R8
	MOVQ 8(SI), R9
	MOVQ 16(SI), R10
	MOVQ 24(SI), R11
	MOVQ 32(SI), R12
	MOVQ 40(SI), R13
	MOVQ 48(SI), R14
	MOVQ 56(SI), R15
	XORQ BX, BX
iloop:
	VPMOVZXBD (R8)(BX*1), Y0
	VPMOVZXBD (R9)(BX*1), Y1
	VPMOVZXBD (R10)(BX*1), Y2
	VPMOVZXBD (R11)(BX*1), Y3
	VPMOVZXBD (R12)(BX*1), Y4
	VPMOVZXBD (R13)(BX*1), Y5
	VPMOVZXBD (R14)(BX*1), Y6
	VPMOVZXBD (R15)(BX*1), Y7
	TRANSPOSE8
	VMOVDQU Y8, 0(DI)
	VMOVDQU Y9, 32(DI)
	VMOVDQU Y10, 64(DI)
	VMOVDQU Y11, 96(DI)
	VMOVDQU Y12, 128(DI)
	VMOVDQU Y13, 160(DI)
	VMOVDQU Y14, 192(DI)
	VMOVDQU Y15, 224(DI)
	ADDQ $256, DI
	ADDQ $8, BX
	SUBQ $8, CX
	JNZ  iloop
	VZEROUPPER
	RET

// PACKSTORE packs the eight dwords of register Y (each 0 to 255) into bytes
// with the shuffle in Y0 and the permutation in Y1, and stores them at
// (R)(BX*1).
#define PACKSTORE(Y, X, R) \
	VPSHUFB Y0, Y, Y \
	VPERMD  Y, Y1, Y \
	VMOVQ   X, (R)(BX*1)

// func deinterleave8AVX2(rows *[8]*byte, src *uint32, n int)
//
// rows[j][x] = byte(src[8*x+j]) for x in [0, n), n a positive multiple of
// 8; the values must fit in a byte.
TEXT ·deinterleave8AVX2(SB), NOSPLIT, $0-24
	MOVQ rows+0(FP), SI
	MOVQ src+8(FP), DI
	MOVQ n+16(FP), CX
	MOVQ 0(SI), R8
	MOVQ 8(SI), R9
	MOVQ 16(SI), R10
	MOVQ 24(SI), R11
	MOVQ 32(SI), R12
	MOVQ 40(SI), R13
	MOVQ 48(SI), R14
	MOVQ 56(SI), R15
	XORQ BX, BX
dloop:
	VMOVDQU 0(DI), Y0
	VMOVDQU 32(DI), Y1
	VMOVDQU 64(DI), Y2
	VMOVDQU 96(DI), Y3
	VMOVDQU 128(DI), Y4
	VMOVDQU 160(DI), Y5
	VMOVDQU 192(DI), Y6
	VMOVDQU 224(DI), Y7
	TRANSPOSE8
	VMOVDQU packbytes<>(SB), Y0
	VMOVDQU packlanes<>(SB), Y1
	PACKSTORE(Y8, X8, R8)
	PACKSTORE(Y9, X9, R9)
	PACKSTORE(Y10, X10, R10)
	PACKSTORE(Y11, X11, R11)
	PACKSTORE(Y12, X12, R12)
	PACKSTORE(Y13, X13, R13)
	PACKSTORE(Y14, X14, R14)
	PACKSTORE(Y15, X15, R15)
	ADDQ $256, DI
	ADDQ $8, BX
	SUBQ $8, CX
	JNZ  dloop
	VZEROUPPER
	RET
