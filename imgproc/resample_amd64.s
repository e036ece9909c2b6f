#include "textflag.h"

// func resampleVAVX2(out, src *byte, stride int, k *int32, taps, n int)
//
// One output row of a vertical resampling pass, for x in [0, n), n a
// positive multiple of 8, taps >= 1:
//	out[x] = clip8(1<<21 + sum over i < taps of src[i*stride+x] * k[i])
// where clip8(v) is v>>22 clamped to [0, 255], as resampleV computes it.
TEXT ·resampleVAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ stride+16(FP), R8
	MOVQ k+24(FP), R9
	MOVQ taps+32(FP), R10
	MOVQ n+40(FP), R11
	MOVL $0x200000, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	XORQ BX, BX

vloopx:
	VMOVDQU Y14, Y0
	MOVQ SI, DX
	MOVQ R9, R12
	MOVQ R10, CX

vloopt:
	VPBROADCASTD (R12), Y4
	VPMOVZXBD (DX)(BX*1), Y5
	VPMULLD Y4, Y5, Y5
	VPADDD Y5, Y0, Y0
	ADDQ R8, DX
	ADDQ $4, R12
	DECQ CX
	JNZ  vloopt

	VPSRAD $22, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSDW X1, X0, X0
	VPACKUSWB X0, X0, X0
	VMOVQ X0, (DI)(BX*1)
	ADDQ $8, BX
	CMPQ BX, R11
	JLT  vloopx
	VZEROUPPER
	RET

// func resampleH4AVX2(out *byte, outStride int, in *byte, inStride int, first, k *int32, m, n int)
//
// Four rows of a horizontal resampling pass (rows inStride bytes apart in
// the source, outStride apart in the output), for x in [0, n), n >= 1:
//	out[r*outStride+x] = clip8(1<<21 + sum over i < 8m of in[r*inStride+first[x]+i] * k[8m*x+i])
// The weights are padded with zeros to 8m per output; the caller makes
// sure that first[x]+8m stays within the rows.
TEXT ·resampleH4AVX2(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ outStride+8(FP), R8
	MOVQ in+16(FP), SI
	MOVQ inStride+24(FP), R9
	MOVQ first+32(FP), R10
	MOVQ k+40(FP), R11
	MOVQ m+48(FP), R12
	MOVQ n+56(FP), R13
	MOVL $0x200000, AX
	VMOVD AX, X14
	VPBROADCASTD X14, X14
	LEAQ (R9)(R9*2), R14
	XORQ BX, BX

hloopx:
	MOVLQSX (R10)(BX*4), AX
	LEAQ (SI)(AX*1), DX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	MOVQ R12, CX

hloopc:
	VMOVDQU (R11), Y4
	VPMOVZXBD (DX), Y5
	VPMULLD Y4, Y5, Y5
	VPADDD Y5, Y0, Y0
	VPMOVZXBD (DX)(R9*1), Y6
	VPMULLD Y4, Y6, Y6
	VPADDD Y6, Y1, Y1
	VPMOVZXBD (DX)(R9*2), Y7
	VPMULLD Y4, Y7, Y7
	VPADDD Y7, Y2, Y2
	VPMOVZXBD (DX)(R14*1), Y8
	VPMULLD Y4, Y8, Y8
	VPADDD Y8, Y3, Y3
	ADDQ $32, R11
	ADDQ $8, DX
	DECQ CX
	JNZ  hloopc

	// Sum each accumulator's eight lanes: [row0, row1, row2, row3].
	VPHADDD Y1, Y0, Y0
	VPHADDD Y3, Y2, Y2
	VPHADDD Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VPADDD X14, X0, X0
	VPSRAD $22, X0, X0
	VPACKSSDW X0, X0, X0
	VPACKUSWB X0, X0, X0
	VMOVD X0, AX
	MOVQ DI, DX
	MOVB AX, (DX)(BX*1)
	SHRL $8, AX
	ADDQ R8, DX
	MOVB AX, (DX)(BX*1)
	SHRL $8, AX
	ADDQ R8, DX
	MOVB AX, (DX)(BX*1)
	SHRL $8, AX
	ADDQ R8, DX
	MOVB AX, (DX)(BX*1)

	INCQ BX
	CMPQ BX, R13
	JLT  hloopx
	VZEROUPPER
	RET

// func resampleH4BAVX2(out, in *byte, first, k *int32, pairs, n int)
//
// One row of a horizontal resampling pass over 4-byte pixels, for x in
// [0, n), n >= 1, each of the 4 channels c:
//	out[4x+c] = clip8(1<<21 + sum over i < 2*pairs of in[4*(first[x]+i)+c] * w(x, i))
// where k holds, for each x, its 2*pairs weights each repeated 4 times
// (zeros past its taps); the caller makes sure that first[x]+2*pairs stays
// within the row.
TEXT ·resampleH4BAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ first+16(FP), R10
	MOVQ k+24(FP), R11
	MOVQ pairs+32(FP), R12
	MOVQ n+40(FP), R13
	MOVL $0x200000, AX
	VMOVD AX, X14
	VPBROADCASTD X14, X14
	XORQ BX, BX

qloopx:
	MOVLQSX (R10)(BX*4), AX
	LEAQ (SI)(AX*4), DX
	VPXOR Y0, Y0, Y0
	MOVQ R12, CX

qloopt:
	VPMOVZXBD (DX), Y5
	VPMULLD (R11), Y5, Y5
	VPADDD Y5, Y0, Y0
	ADDQ $32, R11
	ADDQ $8, DX
	DECQ CX
	JNZ  qloopt

	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VPADDD X14, X0, X0
	VPSRAD $22, X0, X0
	VPACKSSDW X0, X0, X0
	VPACKUSWB X0, X0, X0
	VMOVD X0, (DI)(BX*4)
	INCQ BX
	CMPQ BX, R13
	JLT  qloopx
	VZEROUPPER
	RET
