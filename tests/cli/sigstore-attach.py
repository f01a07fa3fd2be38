#!/usr/bin/env python3
"""sigstore-attach.py: sign an image in a registry with a sigstore key and
attach the signature as containers/image does (docker/docker_image_dest.go
putSignaturesToSigstoreAttachments), written independently of sc-build so
that tests can check sc-build reads what another implementation writes
where no skopeo with sigstore support is at hand (Debian's skopeo and podman
are built with it disabled).

    sigstore-attach.py [OPTIONS] HOST:PORT REPO MANIFEST-DIGEST IDENTITY KEY.pem

--tamper changes one byte of the payload (in the identity) after signing.
The others make the hostile attachments tests/cli/t0725 serves:
  --payload-digest D    the payload names image D (signed: another image's)
  --layer-media-type T  the layer's media type
  --no-annotation       no dev.cosignproject.cosign/signature annotation
  --annotation TEXT     that annotation's value (base64 garbage)
  --claim-digest        the payload is uploaded under the digest of other
                        bytes: only a registry that does not check
                        (fake-registry.py --trust-upload-digest) takes it
  --pad BYTES           the manifest carries an annotation that long
  --manifest-type T     the attachment is PUT with Content-Type T

The payload is Go's json.Marshal of the simple-signing map (sorted keys,
no spaces), signed with `openssl dgst -sha256 -sign` (ECDSA, DER), added as
a layer of the OCI manifest tagged sha256-HEX.sig (created when missing),
the config's rootfs.diff_ids following the layers."""
import base64
import hashlib
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
SIG_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"


def request(url, data=None, method="GET", headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    return urllib.request.urlopen(req)


def put_blob(base, registry, data, claimed=None):
    digest = claimed or "sha256:" + hashlib.sha256(data).hexdigest()
    loc = request(base + "/blobs/uploads/", method="POST").headers["Location"]
    if not loc.startswith("http"):
        loc = "http://" + registry + loc
    request(loc + ("&" if "?" in loc else "?") + "digest=" + digest, data, "PUT",
            {"Content-Type": "application/octet-stream"})
    return {"digest": digest, "size": len(data)}


def options(args):
    opt = {"tamper": False, "payload-digest": None, "layer-media-type": SIG_TYPE,
           "no-annotation": False, "annotation": None, "claim-digest": False, "pad": 0,
           "manifest-type": OCI_MANIFEST}
    while args[0].startswith("--"):
        name = args.pop(0)[2:]
        opt[name] = True if isinstance(opt[name], bool) else args.pop(0)
    return opt, args


def main():
    opt, args = options(sys.argv[1:])
    tamper = opt["tamper"]
    registry, repo, manifest_digest, identity, key = args
    base = "http://%s/v2/%s" % (registry, repo)
    tag = manifest_digest.replace(":", "-", 1) + ".sig"
    payload = json.dumps({
        "critical": {"identity": {"docker-reference": identity},
                     "image": {"docker-manifest-digest": opt["payload-digest"] or manifest_digest},
                     "type": "cosign container image signature"},
        "optional": {"creator": "containers/image test", "timestamp": int(time.time())},
    }, sort_keys=True, separators=(",", ":")).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=payload,
                         stdout=subprocess.PIPE, check=True).stdout
    if tamper:
        at = payload.index(b"docker-reference") + 22
        payload = payload[:at] + bytes([payload[at] ^ 1]) + payload[at + 1:]
    try:
        manifest = json.load(request(base + "/manifests/" + tag, headers={"Accept": OCI_MANIFEST}))
        config = json.load(request(base + "/blobs/" + manifest["config"]["digest"]))
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": []}
        config = {"architecture": "", "os": "", "config": {}, "rootfs": {"type": "layers", "diff_ids": []}}
    claimed = "sha256:" + hashlib.sha256(payload + b" ").hexdigest() if opt["claim-digest"] else None
    layer = dict(put_blob(base, registry, payload, claimed), mediaType=opt["layer-media-type"],
                 annotations={"dev.cosignproject.cosign/signature":
                              opt["annotation"] or base64.b64encode(sig).decode()})
    if opt["no-annotation"]:
        del layer["annotations"]
    if opt["pad"]:
        manifest["annotations"] = {"padding": "x" * int(opt["pad"])}
    manifest["layers"].append(layer)
    config["rootfs"]["diff_ids"].append(layer["digest"])
    manifest["config"] = dict(put_blob(base, registry, json.dumps(config).encode()), mediaType=OCI_CONFIG)
    request(base + "/manifests/" + tag, json.dumps(manifest).encode(), "PUT",
            {"Content-Type": opt["manifest-type"]})


if __name__ == "__main__":
    main()
