#!/usr/bin/env python3
"""make-unpack-corpus.py [DIR]: write the seed corpus of fuzz-unpack
(tests/fuzz/corpus/unpack by default): small layer tars that try to reach
outside the target through symlinks (absolute, relative, chained), `..`
entries, whiteouts that are not names, hard links that climb, and device
nodes; and honest layers.  Each is written plain and gzip-compressed, and
zstd-compressed when the zstd tool is there; and scripts of layers
(SCRIPT_MAGIC in fuzz-unpack.c) that the fuzzer mutates line by line.
The targets of the escapes are the fuzz target's sentinels:
../sentinel-dir, ../sentinel-file (the target directory is t/ in the
sandbox) and /tmp/sc-fuzz-unpack-sentinel."""
import gzip
import io
import os
import shutil
import subprocess
import sys
import tarfile

ABS = "/tmp/sc-fuzz-unpack-sentinel"


def f(path, data="x\n", mode=0o644):
    return ("file", path, data, mode)


def d(path, mode=0o755):
    return ("dir", path, None, mode)


def sym(path, target):
    return ("symlink", path, target, 0o777)


def hard(path, target):
    return ("hardlink", path, target, 0o644)


def dev(path, kind="chr", major=1, minor=3):
    return (kind, path, (major, minor), 0o666)


CASES = {
    "honest": [d("usr"), d("usr/bin"), f("usr/bin/tool", "#!/bin/sh\n", 0o755),
               sym("bin", "usr/bin"), hard("usr/bin/tool2", "usr/bin/tool"),
               f("etc/motd", "hi\n"), f("setuid", "s", 0o4755)],
    "symlink-abs-write": [sym("esc", ABS), f("esc/file", "pwned\n"), f("esc/planted")],
    "symlink-rel-write": [sym("esc", "../sentinel-dir"), f("esc/file", "pwned\n"),
                          f("esc/planted")],
    "symlink-rel-whiteout": [sym("esc", "../sentinel-dir"), f("esc/.wh.file", ""),
                             f("esc/.wh..wh..opq", "")],
    "symlink-abs-whiteout": [sym("esc", ABS), f("esc/.wh.file", "")],
    "symlink-chain": [sym("a", "b"), sym("b", "c/../../sentinel-dir"), d("c"), f("a/file")],
    "symlink-over-file": [sym("sentinel-file", "../sentinel-file"), f("sentinel-file", "x")],
    "symlink-dir-then-dir": [sym("var/run", "/run"), d("var/run/app"), f("var/run/app/pid")],
    "dotdot-entries": [f("../escaped"), f("a/../../escaped"), f("./../sentinel-file"),
                       d(".."), f("/../sentinel-dir/file")],
    "whiteout-not-names": [d("w"), f("w/keep"), f("w/.wh...", ""), f("w/.wh..", ""),
                           f(".wh.", ""), f(".wh...", ""), f("w/.wh..wh..opq", "")],
    "whiteout-opaque": [d("o"), f("o/a"), f("o/.wh..wh..opq", ""), f("o/b")],
    "hardlink-climb": [hard("h1", "../sentinel-file"), hard("h2", ".."), hard("h3", "."),
                       hard("h4", "/" + ABS + "/file"), hard("h5", "a/../../sentinel-file")],
    "hardlink-through-symlink": [sym("s", "../sentinel-dir"), hard("h", "s/file"),
                                 f("h", "overwritten\n")],
    "devices": [d("dev"), dev("dev/null"), dev("dev/mem", "chr", 1, 1),
                dev("dev/sda", "blk", 8, 0), ("fifo", "dev/fifo", None, 0o600),
                f("dev/null", "replaced\n")],
    "dir-replaces-file": [f("x", "file"), d("x"), f("x/y"), sym("x/z", "../../sentinel-dir")],
    "long-names": [f("a" * 200 + "/" + "b" * 200, "long\n"), sym("c" * 100, "d" * 300)],
}


# Script seeds (fuzz-unpack.c SCRIPT_MAGIC): layers as lines, "--" between.
SCRIPTS = {
    "script-symlink-then-write": ["l esc ../sentinel-dir", "--", "f esc/file pwned",
                                  "f esc/planted x"],
    "script-symlink-abs-then-dir": ["l esc " + ABS, "--", "d esc", "f esc/file x"],
    "script-symlink-then-whiteout": ["l esc ../sentinel-dir", "--", "f esc/.wh.file"],
    "script-whiteouts": ["f d/a a", "f keep k", "--", "f d/.wh...", "f d/.wh..", "f .wh.",
                         "f d/.wh..wh..opq"],
    "script-hardlinks": ["f a x", "h b a", "h c ../sentinel-file", "h d ..", "h e /a",
                         "--", "f b over"],
    "script-chain": ["l a b", "l b c/../../sentinel-dir", "d c", "--", "f a/file x"],
    "script-dotdot": ["f ../escaped x", "f a/../../escaped x", "d ..", "h x ../sentinel-file"],
    "script-devices": ["c dev/null", "p dev/fifo", "--", "f dev/null x",
                       "l dev/fifo ../sentinel-file"],
}


def tar_bytes(entries):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, path, arg, mode in entries:
            info = tarfile.TarInfo(path)
            info.mode, info.mtime = mode, 1700000000
            data = None
            if kind == "file":
                data = arg.encode()
                info.size = len(data)
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, arg
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, arg
            elif kind in ("chr", "blk"):
                info.type = tarfile.CHRTYPE if kind == "chr" else tarfile.BLKTYPE
                info.devmajor, info.devminor = arg
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    # tarfile pads the archive to 10 KiB: keep one 512-byte boundary and the
    # two zero blocks that end a tar, so that the seeds stay small.
    body = raw.getvalue().rstrip(b"\0")
    body += b"\0" * (-len(body) % 512)
    return body + b"\0" * 1024


def main(out):
    os.makedirs(out, exist_ok=True)
    zstd = shutil.which("zstd")
    for name, entries in sorted(CASES.items()):
        tar = tar_bytes(entries)
        with open(os.path.join(out, name + ".tar"), "wb") as fh:
            fh.write(tar)
        with open(os.path.join(out, name + ".tar.gz"), "wb") as fh:
            fh.write(gzip.compress(tar, mtime=0))
        if zstd:
            with open(os.path.join(out, name + ".tar.zst"), "wb") as fh:
                fh.write(subprocess.run([zstd, "-q", "-c", "-19"], input=tar,
                                        stdout=subprocess.PIPE, check=True).stdout)


def write_scripts(out):
    for name, lines in sorted(SCRIPTS.items()):
        with open(os.path.join(out, name + ".layers"), "w") as fh:
            fh.write("#layers\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    OUT = (sys.argv[1] if len(sys.argv) > 1 else
           os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "unpack"))
    main(OUT)
    write_scripts(OUT)
