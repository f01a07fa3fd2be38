#!/usr/bin/env python3
"""mklayout.py LAYOUT REF SPEC.json: write an OCI image layout (image-spec
image-layout.md) holding one image tagged REF whose layers are given, entry
by entry, in SPEC.json, so that tests can craft hostile layers that no
well-behaved tool (umoci, tar) would write:

  [ [ {"path": "esc", "type": "symlink", "target": "/some/dir"} ],
    [ {"path": "esc/planted", "type": "file", "data": "x"},
      {"path": "esc/.wh.victim", "type": "file"},
      {"path": "link", "type": "hardlink", "target": ".."} ] ]

Types: file (default; its content "data", or read from the file "src"),
dir, symlink, hardlink, chr, fifo.  Layers are
gzip-compressed tars (pax), written with Python's tarfile, base first."""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def tar_layer(entries):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for e in entries:
            info = tarfile.TarInfo(e["path"])
            info.mode = e.get("mode", 0o755 if e.get("type") == "dir" else 0o644)
            info.mtime = 1700000000
            kind = e.get("type", "file")
            data = e.get("data", "").encode()
            if "src" in e:
                with open(e["src"], "rb") as f:
                    data = f.read()
            if kind == "file":
                info.size = len(data)
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, e["target"]
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, e["target"]
            elif kind == "chr":
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            tar.addfile(info, io.BytesIO(data) if kind == "file" else None)
    return raw.getvalue()


def put_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest


def descriptor(media_type, digest, data):
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def main(layout, ref, spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    layers, diff_ids = [], []
    for entries in spec:
        tar = tar_layer(entries)
        diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
        blob = gzip.compress(tar, mtime=0)
        layers.append(descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
                                 put_blob(layout, blob), blob))
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Labels": {"atomic.type": "system"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json",
                             put_blob(layout, config), config),
        "layers": layers,
    }).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [dict(descriptor("application/vnd.oci.image.manifest.v1+json",
                                      put_blob(layout, manifest), manifest),
                           annotations={"org.opencontainers.image.ref.name": ref})],
    }
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


if __name__ == "__main__":
    main(*sys.argv[1:4])
