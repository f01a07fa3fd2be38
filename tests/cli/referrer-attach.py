#!/usr/bin/env python3
"""referrer-attach.py: attach a simple signature to an image in a registry
as an OCI 1.1 artifact (image-spec v1.1 manifest.md "subject" and
"artifactType"; distribution-spec v1.1 "Pushing Manifests with Subject"),
of the artifact type `sc-build push --sign-by` uses, written independently
of sc-build so that tests/cli/t0769 can serve hostile ones.

    referrer-attach.py [OPTIONS] HOST:PORT REPO SUBJECT-DIGEST SIGNATURE-FILE

The artifact: the empty config (application/vnd.oci.empty.v1+json, "{}"),
one layer (SIGNATURE-FILE's bytes), the subject SUBJECT-DIGEST; pushed by
its digest, which is printed.

  --list-under D     also list it in the referrers index tagged sha256-HEX
                     of D (distribution-spec v1.1 "Referrers Tag Schema",
                     for a registry without the referrers API), after what
                     that index lists already
  --repeat N         list it N times there (a hostile list's length)
  --claim-digest     upload the layer under the digest of other bytes: only
                     a registry that does not check (fake-registry.py
                     --trust-upload-digest) takes it
  --layer-size N     the layer's descriptor says N bytes
  --artifact-type T  the manifest's artifactType (the index lists the
                     simple-signing type all the same)"""
import hashlib
import json
import sys
import urllib.error
import urllib.request

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
EMPTY = "application/vnd.oci.empty.v1+json"
SIMPLE = "application/vnd.sc-build.simple-signing.v1+pgp"


def request(url, data=None, method="GET", headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    return urllib.request.urlopen(req)


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def put_blob(base, registry, data, claimed=None):
    digest = claimed or digest_of(data)
    loc = request(base + "/blobs/uploads/", method="POST").headers["Location"]
    if not loc.startswith("http"):
        loc = "http://" + registry + loc
    request(loc + ("&" if "?" in loc else "?") + "digest=" + digest, data, "PUT",
            {"Content-Type": "application/octet-stream"})
    return digest


def put_manifest(base, ref, data, media_type):
    request(base + "/manifests/" + ref, data, "PUT", {"Content-Type": media_type})


def options(args):
    opt = {"list-under": None, "repeat": "1", "claim-digest": False, "layer-size": None,
           "artifact-type": SIMPLE}
    while args[0].startswith("--"):
        name = args.pop(0)[2:]
        opt[name] = True if isinstance(opt[name], bool) else args.pop(0)
    return opt, args


def subject_descriptor(base, digest):
    try:
        resp = request(base + "/manifests/" + digest, headers={"Accept": OCI_MANIFEST})
        data = resp.read()
        return {"mediaType": resp.headers.get("Content-Type", OCI_MANIFEST), "digest": digest,
                "size": len(data)}
    except urllib.error.HTTPError:  # a subject the registry does not have
        return {"mediaType": OCI_MANIFEST, "digest": digest, "size": 2}


def listed_index(base, tag):
    try:
        return json.load(request(base + "/manifests/" + tag, headers={"Accept": OCI_INDEX}))
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise
        return {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}


def main():
    opt, args = options(sys.argv[1:])
    registry, repo, subject, sig_file = args
    base = "http://%s/v2/%s" % (registry, repo)
    sig = open(sig_file, "rb").read()
    claimed = digest_of(sig + b"other") if opt["claim-digest"] else None
    layer = put_blob(base, registry, sig, claimed)
    put_blob(base, registry, b"{}")
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": opt["artifact-type"],
        "config": {"mediaType": EMPTY, "digest": digest_of(b"{}"), "size": 2},
        "layers": [{"mediaType": SIMPLE, "digest": layer,
                    "size": int(opt["layer-size"] or len(sig))}],
        "subject": subject_descriptor(base, subject),
    }, separators=(",", ":")).encode()
    digest = digest_of(manifest)
    put_manifest(base, digest, manifest, OCI_MANIFEST)
    if opt["list-under"]:
        tag = opt["list-under"].replace(":", "-", 1)
        index = listed_index(base, tag)
        entry = {"mediaType": OCI_MANIFEST, "digest": digest, "size": len(manifest),
                 "artifactType": SIMPLE}
        index["manifests"] += [entry] * int(opt["repeat"])
        put_manifest(base, tag, json.dumps(index).encode(), OCI_INDEX)
    print(digest)


main()
