#!/usr/bin/env python3
"""tarsplit.py REPO BRANCH: rebuild a layer's tar from its OSTree commit as
containers/image's ostree: source does (ostree_src.go GetBlob): the
commit's tarsplit.output metadata, base64 of gzip'd tar-split JSON lines
(github.com/vbatts/tar-split, storage.Entry), gives the segments in order,
and each file entry of non-zero size is that file of the commit, checked
against its CRC-64/ISO.  Prints the sha256 digest of the tar and its size,
to compare with the commit's docker.uncompressed_digest and _size."""
import base64, gzip, hashlib, json, os, subprocess, sys, tempfile

ISO = 0xD800000000000000
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ ISO if c & 1 else c >> 1
    TABLE.append(c)


def crc64(data):
    crc = 0xFFFFFFFFFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


def metadata(repo, branch, key):
    out = subprocess.run(["ostree", "--repo=" + repo, "show", "--print-metadata-key=" + key,
                          branch], check=True, capture_output=True, text=True).stdout.strip()
    assert out[0] == out[-1] == "'", out[:40]
    return out[1:-1]


def main():
    repo, branch = sys.argv[1], sys.argv[2]
    lines = gzip.decompress(base64.b64decode(metadata(repo, branch, "tarsplit.output")))
    digest, size, position = hashlib.sha256(), 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        subprocess.run(["ostree", "--repo=" + repo, "checkout", "-U", branch, root], check=True)
        for line in lines.decode().splitlines():
            e = json.loads(line)
            assert e["position"] == position, (e, position)
            position += 1
            if e["type"] == 2:
                data = base64.b64decode(e["payload"])
            elif e["type"] == 1 and e.get("size", 0) > 0:
                name = e["name"] if "name" in e else base64.b64decode(e["name_raw"]).decode()
                data = open(os.path.join(root, name.removeprefix("./")), "rb").read()
                assert len(data) == e["size"], (name, len(data), e["size"])
                want = int.from_bytes(base64.b64decode(e["payload"]), "big")
                assert crc64(data) == want, ("crc64", name)
            else:
                assert e["type"] == 1 and e["payload"] is None, e
                continue
            digest.update(data)
            size += len(data)
    print("sha256:" + digest.hexdigest(), size)


main()
