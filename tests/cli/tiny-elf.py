#!/usr/bin/python3
"""Write to stdout a tiny static Linux ELF program for a machine: an ELF
header and one PT_LOAD program header followed by a few code bytes.  Only
the header matters to sc-build (e_machine, class, byte order): the bytes
are never run here.  Usage: tiny-elf.py amd64|arm64|arm|386|ppc64le|s390x [TAG]
(TAG, if given, is appended so that two programs differ in content)."""
import struct
import sys

# GOARCH: (e_machine, 64-bit, little endian, code)
MACHINES = {
    "amd64": (62, True, True, b"\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05"),  # exit(0)
    "arm64": (183, True, True, b"\x00\x00\x80\xd2\xa8\x0b\x80\xd2\x01\x00\x00\xd4"),  # mov x0,0; mov x8,93; svc 0
    "arm": (40, False, True, b"\x00\x00\xa0\xe3\x01\x70\xa0\xe3\x00\x00\x00\xef"),  # mov r0,0; mov r7,1; svc 0
    "386": (3, False, True, b"\x31\xdb\xb8\x01\x00\x00\x00\xcd\x80"),
    "ppc64le": (21, True, True, b"\x00" * 8),
    "s390x": (22, True, False, b"\x00" * 8),
}

arch = sys.argv[1]
tag = sys.argv[2].encode() if len(sys.argv) > 2 else b""
machine, is64, little, code = MACHINES[arch]
code += tag
e = "<" if little else ">"
base = 0x400000
if is64:
    ehsize, phsize = 64, 56
    size = ehsize + phsize + len(code)
    ident = b"\x7fELF" + bytes([2, 1 if little else 2, 1, 0]) + bytes(8)
    ehdr = struct.pack(e + "16sHHIQQQIHHHHHH", ident, 2, machine, 1, base + ehsize + phsize,
                       ehsize, 0, 0, ehsize, phsize, 1, 0, 0, 0)
    phdr = struct.pack(e + "IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
else:
    ehsize, phsize = 52, 32
    size = ehsize + phsize + len(code)
    ident = b"\x7fELF" + bytes([1, 1 if little else 2, 1, 0]) + bytes(8)
    ehdr = struct.pack(e + "16sHHIIIIIHHHHHH", ident, 2, machine, 1, base + ehsize + phsize,
                       ehsize, 0, 0, ehsize, phsize, 1, 0, 0, 0)
    phdr = struct.pack(e + "IIIIIIII", 1, 0, base, base, size, size, 5, 0x1000)
sys.stdout.buffer.write(ehdr + phdr + code)
