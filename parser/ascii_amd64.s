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

// func asciiRun(dst, src []byte) (nd, ns int)
TEXT ·asciiRun(SB), NOSPLIT, $0-64
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), R9
	ADDQ DI, R9 // the end of dst
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), R8
	ANDQ $-2, R8
	ADDQ SI, R8 // the end of src's whole characters
	LEAQ ·shortEscape(SB), R11
	MOVOU asciiLow<>(SB), X8
	MOVOU asciiHigh<>(SB), X9
	MOVOU asciiQuote<>(SB), X10
	MOVOU asciiBackslash<>(SB), X11

block:
	// Eight characters, while src has them and dst room for them.
	LEAQ 16(SI), R10
	CMPQ R10, R8
	JHI  one
	LEAQ 8(DI), R10
	CMPQ R10, R9
	JHI  one
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
	JMP      block

partial:
	// Two mask bits a character: the first clear one is at twice the
	// index of the first character that is not plain.
	NOTL AX
	BSFL AX, AX
	ADDQ AX, SI
	SHRL $1, AX
	ADDQ AX, DI

one:
	// One character that is not plain, or one of the last ones: its
	// escape, if it is short, and on with the next eight.
	LEAQ    2(SI), R10
	CMPQ    R10, R8
	JHI     done
	MOVWLZX (SI), AX
	CMPL    AX, $0x80
	JAE     done
	CMPL    AX, $0x20
	JB      escape
	CMPL    AX, $0x22
	JEQ     escape
	CMPL    AX, $0x5c
	JEQ     escape
	LEAQ    1(DI), R10
	CMPQ    R10, R9
	JHI     done
	MOVB    AX, (DI)
	ADDQ    $2, SI
	INCQ    DI
	JMP     block

escape:
	MOVBLZX (R11)(AX*1), AX
	TESTL   AX, AX
	JZ      done
	LEAQ    2(DI), R10
	CMPQ    R10, R9
	JHI     done
	MOVB    $0x5c, (DI)
	MOVB    AX, 1(DI)
	ADDQ    $2, SI
	ADDQ    $2, DI
	JMP     block

done:
	SUBQ dst_base+0(FP), DI
	MOVQ DI, nd+48(FP)
	SUBQ src_base+24(FP), SI
	MOVQ SI, ns+56(FP)
	RET
