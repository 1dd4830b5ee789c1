//go:build amd64 && !purego

#include "textflag.h"

// 16-bit lanes of 0x1f, 0x80, '"' and '\\'.
DATA asciiLow<>+0(SB)/8, $0x001f001f001f001f
DATA asciiLow<>+8(SB)/8, $0x001f001f001f001f
GLOBL asciiLow<>(SB), RODATA|NOPTR, $16
DATA asciiHigh<>+0(SB)/8, $0x0080008000800080
DATA asciiHigh<>+8(SB)/8, $0x0080008000800080
GLOBL asciiHigh<>(SB), RODATA|NOPTR, $16
DATA asciiQuote<>+0(SB)/8, $0x0022002200220022
DATA asciiQuote<>+8(SB)/8, $0x0022002200220022
GLOBL asciiQuote<>(SB), RODATA|NOPTR, $16
DATA asciiBackslash<>+0(SB)/8, $0x005c005c005c005c
DATA asciiBackslash<>+8(SB)/8, $0x005c005c005c005c
GLOBL asciiBackslash<>(SB), RODATA|NOPTR, $16

// func asciiRun(dst, src []byte) int
TEXT ·asciiRun(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), DX
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	// CX: the blocks of eight characters src has and dst has room for.
	SHRQ $4, CX
	SHRQ $3, DX
	CMPQ DX, CX
	CMOVQLT DX, CX
	MOVQ DI, BX
	MOVOU asciiLow<>(SB), X8
	MOVOU asciiHigh<>(SB), X9
	MOVOU asciiQuote<>(SB), X10
	MOVOU asciiBackslash<>(SB), X11

loop:
	DECQ CX
	JS   done
	MOVOU (SI), X0
	// Plain: 0x1f < c (signed: 0x8000 and above fail) and c < 0x80, not
	// a quote, not a backslash.
	MOVO     X0, X1
	PCMPGTW  X8, X1
	MOVO     X9, X2
	PCMPGTW  X0, X2
	PAND     X2, X1
	MOVO     X0, X3
	PCMPEQW  X10, X3
	MOVO     X0, X4
	PCMPEQW  X11, X4
	POR      X4, X3
	PANDN    X1, X3
	PMOVMSKB X3, AX
	// The low bytes of the eight (those of plain characters exact),
	// stored whatever the mask says.
	PACKUSWB X0, X0
	MOVQ     X0, (DI)
	CMPL     AX, $0xffff
	JNE      partial
	ADDQ     $16, SI
	ADDQ     $8, DI
	JMP      loop

partial:
	// Two mask bits a character: the first clear one is at twice the
	// index of the first character that is not plain.
	NOTL AX
	BSFL AX, AX
	SHRL $1, AX
	ADDQ AX, DI

done:
	SUBQ BX, DI
	MOVQ DI, ret+48(FP)
	RET
