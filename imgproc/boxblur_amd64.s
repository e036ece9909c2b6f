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

// func boxStepAVX2(out, acc, sub, add, far *uint32, n int, ww, fw uint32)
//
// For i in [0, n), n a positive multiple of 8:
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
	XORQ BX, BX
	TESTQ CX, CX
	JZ   done
loop:
	VMOVDQU (R8)(BX*1), Y4
	VMOVDQU (SI)(BX*1), Y5
	VPADDD  (R9)(BX*1), Y5, Y5
	VPSUBD  Y4, Y5, Y5
	VMOVDQU Y5, (SI)(BX*1)
	VPMULLD Y0, Y5, Y5
	VPADDD  (R10)(BX*1), Y4, Y4
	VPMULLD Y1, Y4, Y4
	VPADDD  Y4, Y5, Y5
	VPADDD  Y2, Y5, Y5
	VPSRLD  $24, Y5, Y5
	VMOVDQU Y5, (DI)(BX*1)
	ADDQ $32, BX
	SUBQ $8, CX
	JNZ  loop
done:
	VZEROUPPER
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

// func boxStepBytesAVX2(out *byte, acc, sub, add, far *uint32, n int, ww, fw uint32)
//
// boxStepAVX2 writing each result as a byte.
TEXT ·boxStepBytesAVX2(SB), NOSPLIT, $0-56
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
	VMOVDQU packbytes<>(SB), Y6
	VMOVDQU packlanes<>(SB), Y7
	XORQ BX, BX
	XORQ DX, DX
	TESTQ CX, CX
	JZ   bdone
bloop:
	VMOVDQU (R8)(BX*1), Y4
	VMOVDQU (SI)(BX*1), Y5
	VPADDD  (R9)(BX*1), Y5, Y5
	VPSUBD  Y4, Y5, Y5
	VMOVDQU Y5, (SI)(BX*1)
	VPMULLD Y0, Y5, Y5
	VPADDD  (R10)(BX*1), Y4, Y4
	VPMULLD Y1, Y4, Y4
	VPADDD  Y4, Y5, Y5
	VPADDD  Y2, Y5, Y5
	VPSRLD  $24, Y5, Y5
	VPSHUFB Y6, Y5, Y5
	VPERMD  Y5, Y7, Y5
	VMOVQ   X5, (DI)(DX*1)
	ADDQ $32, BX
	ADDQ $8, DX
	SUBQ $8, CX
	JNZ  bloop
bdone:
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
