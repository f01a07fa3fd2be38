#!/usr/bin/python3
"""Write to stdout the smallest x86-64 Linux program that exits 0: an ELF
header, one PT_LOAD program header and `mov eax, 60; xor edi, edi; syscall`
(exit(0)).  The test images' process.args[0]: unlike a compiled program its
bytes do not depend on the compiler, so the images' digests do not either."""
import struct
import sys

CODE = b"\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05"
BASE = 0x400000
EHDR_SIZE, PHDR_SIZE = 64, 56
ET_EXEC, EM_X86_64, PT_LOAD, PF_R_X = 2, 62, 1, 5

size = EHDR_SIZE + PHDR_SIZE + len(CODE)
ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little endian, version 1, SysV
ehdr = struct.pack("<16sHHIQQQIHHHHHH", ident, ET_EXEC, EM_X86_64, 1, BASE + EHDR_SIZE + PHDR_SIZE,
                   EHDR_SIZE, 0, 0, EHDR_SIZE, PHDR_SIZE, 1, 0, 0, 0)
phdr = struct.pack("<IIQQQQQQ", PT_LOAD, PF_R_X, 0, BASE, BASE, size, size, 0x1000)
sys.stdout.buffer.write(ehdr + phdr + CODE)
