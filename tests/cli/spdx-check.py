#!/usr/bin/env python3
"""spdx-check.py DOC [EXPECTED]: check an SPDX 2.3 JSON document
(spdx.github.io/spdx-spec/v2.3).  First against the JSON schema shipped
in tests/spdx/spdx-2.3.schema.json, with Debian's python3-jsonschema:
every field's name, type and form, the document creation fields (clause
6), packages (clause 7), files and their SHA1 (clause 8), relationship
types (clause 11).  Then what a schema cannot say: SPDXIDs are unique,
and documentDescribes and relationships name elements of the document;
and, as sc-build writes them, every file has a SHA256 too.

With EXPECTED (lines "NAME VERSION", as dpkg-query -W prints them), the
document's packages other than the described image must be exactly those.
Prints every problem and exits 1 when there is one."""
import json
import pathlib
import re
import sys

import jsonschema

SCHEMA = pathlib.Path(__file__).resolve().parent.parent / "spdx" / "spdx-2.3.schema.json"

SPDXID = re.compile(r"^SPDXRef-[A-Za-z0-9.-]+$")
CREATED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


def check_document(d):
    need(d.get("spdxVersion") == "SPDX-2.3", "spdxVersion is not SPDX-2.3")
    need(d.get("dataLicense") == "CC0-1.0", "dataLicense is not CC0-1.0")
    need(d.get("SPDXID") == "SPDXRef-DOCUMENT", "SPDXID is not SPDXRef-DOCUMENT")
    need(isinstance(d.get("name"), str) and d["name"], "no document name")
    ns = d.get("documentNamespace", "")
    need(re.match(r"^[a-z]+://[^#\s]+$", ns), "documentNamespace is not a URI without #: %r" % ns)
    info = d.get("creationInfo", {})
    need(CREATED.match(info.get("created", "")), "creationInfo.created is not YYYY-MM-DDThh:mm:ssZ")
    creators = info.get("creators", [])
    need(creators and all(re.match(r"^(Tool|Person|Organization): .+", c) for c in creators),
         "creationInfo.creators is empty or malformed")


def check_elements(d):
    ids = {"SPDXRef-DOCUMENT"}
    for p in d.get("packages", []):
        for key in ("SPDXID", "name", "downloadLocation"):
            need(isinstance(p.get(key), str) and p[key], "package without %s: %r" % (key, p))
        ids.add(p.get("SPDXID"))
    for f in d.get("files", []):
        need(f.get("fileName", "").startswith("./"), "file name not relative: %r" % f)
        sums = {c.get("algorithm"): c.get("checksumValue", "") for c in f.get("checksums", [])}
        # 8.4: a file's SHA1 is required, others may be given beside it
        need(re.match(r"^[0-9a-f]{40}$", sums.get("SHA1", "")), "no SHA1 checksum: %r" % f)
        need(re.match(r"^[0-9a-f]{64}$", sums.get("SHA256", "")), "no SHA256 checksum: %r" % f)
        ids.add(f.get("SPDXID"))
    count = len(d.get("packages", [])) + len(d.get("files", [])) + 1
    need(len(ids) == count, "SPDXIDs are not unique")
    need(all(isinstance(i, str) and SPDXID.match(i) for i in ids), "an SPDXID is malformed")
    for e in d.get("documentDescribes", []):
        need(e in ids, "documentDescribes names %s, not an element" % e)
    for r in d.get("relationships", []):
        need(r.get("spdxElementId") in ids and r.get("relatedSpdxElement") in ids,
             "relationship between unknown elements: %r" % r)
    return ids


def check_expected(d, path):
    want = sorted(tuple(l.split(" ", 1)) for l in open(path).read().splitlines() if l)
    described = set(d.get("documentDescribes", []))
    got = sorted((p["name"], p.get("versionInfo")) for p in d.get("packages", [])
                 if p.get("SPDXID") not in described)
    need(got == want, "packages %r, expected %r" % (got, want))


def check_schema(d):
    schema = json.load(open(SCHEMA))
    jsonschema.Draft7Validator.check_schema(schema)
    for e in jsonschema.Draft7Validator(schema).iter_errors(d):
        problems.append("schema: %s: %s" % ("/".join(str(x) for x in e.absolute_path), e.message))


doc = json.load(open(sys.argv[1]))
check_schema(doc)
check_document(doc)
check_elements(doc)
if len(sys.argv) > 2:
    check_expected(doc, sys.argv[2])
for p in problems:
    print("spdx-check: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
