#!/usr/bin/env python3
"""fake-registry.py: a small, deliberately hostile OCI registry for the
tests (standard library only), with a second listener on another port: a
second origin, standing for a CDN or any other host.

usage: fake-registry.py PORT OTHER_PORT LOG [options]

The registry serves the images of an OCI layout (--layout DIR: tags by
their org.opencontainers.image.ref.name) to GET and HEAD, and takes pushes
into memory (POST/PUT uploads, PUT manifests).  Every request either
listener gets is logged to LOG as "ORIGIN METHOD PATH AUTH", where ORIGIN
is "registry" or "other" and AUTH the Authorization header's scheme and
value ("-" when none), so a test can see where credentials went.

Options (what makes it hostile):
  --fresh               serve nothing of --layout (for pushes)
  --tls CERT KEY        both listeners speak https
  --basic USER:PASS     the registry asks for Basic auth
  --bearer USER:PASS    the registry asks for a Bearer token from its own
                        /token (Basic USER:PASS), token "good-token"
  --blob-redirect       blob GETs answer 307 to the other origin
  --redirect-http       ... to http://, when the registry speaks https
  --other-challenge     the other origin answers 401 with a Bearer realm
                        of its own (and logs what its /token gets)
  --negotiate           with --bearer: a second WWW-Authenticate header,
                        "Negotiate", after the Bearer one
  --endless WHAT        an endless chunked body for WHAT: ping (/v2/) or
                        manifest
  --cut-manifest        manifest answers promise more bytes than they send
  --slow-headers        manifest answers trickle their headers, 2 bytes/s,
                        after the status line
  --slow-blob           blob answers trickle, 2 bytes/s
  --silent-manifest     manifest requests get no answer at all
  --manifest-put-status N  answer manifest PUTs with N (default 201)
  --upload-location URL    start every upload session at URL
  --referrers-api       serve distribution-spec 1.1's GET
                        /v2/NAME/referrers/DIGEST (an image index of the
                        manifests pushed whose subject is DIGEST) and
                        answer a manifest PUT with a subject with
                        OCI-Subject; without it that GET is a 404, as on
                        distribution 2.8
  --trust-upload-digest    keep an uploaded blob under the digest the
                        client claims (?digest=), never checked, so that
                        it serves bytes that do not hash to their digest
"""
import argparse, base64, hashlib, http.server, json, os, ssl, sys, threading, time, uuid

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("other_port", type=int)
ap.add_argument("log")
ap.add_argument("--layout")
ap.add_argument("--fresh", action="store_true")
ap.add_argument("--tls", nargs=2)
ap.add_argument("--basic")
ap.add_argument("--bearer")
ap.add_argument("--blob-redirect", action="store_true")
ap.add_argument("--redirect-http", action="store_true")
ap.add_argument("--other-challenge", action="store_true")
ap.add_argument("--negotiate", action="store_true")
ap.add_argument("--endless", choices=["ping", "manifest"])
ap.add_argument("--cut-manifest", action="store_true")
ap.add_argument("--slow-headers", action="store_true")
ap.add_argument("--slow-blob", action="store_true")
ap.add_argument("--silent-manifest", action="store_true")
ap.add_argument("--manifest-put-status", type=int, default=201)
ap.add_argument("--upload-location")
ap.add_argument("--trust-upload-digest", action="store_true")
ap.add_argument("--referrers-api", action="store_true")
opt = ap.parse_args()

scheme = "https" if opt.tls else "http"
REGISTRY = "%s://127.0.0.1:%d" % (scheme, opt.port)
OTHER = "%s://127.0.0.1:%d" % ("http" if opt.redirect_http else scheme, opt.other_port)
blobs, manifests = {}, {}
log_lock = threading.Lock()


def load_layout():
    if not opt.layout or opt.fresh:
        return
    blob_dir = os.path.join(opt.layout, "blobs", "sha256")
    for name in os.listdir(blob_dir):
        with open(os.path.join(blob_dir, name), "rb") as f:
            blobs["sha256:" + name] = f.read()
    with open(os.path.join(opt.layout, "index.json")) as f:
        for d in json.load(f)["manifests"]:
            tag = d.get("annotations", {}).get("org.opencontainers.image.ref.name")
            data = blobs[d["digest"]]
            entry = (data, d["mediaType"])
            manifests[d["digest"]] = entry
            if tag:
                manifests[tag.split(":")[-1]] = entry


def basic_of(userpass):
    return "Basic " + base64.b64encode(userpass.encode()).decode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    origin = "registry"

    def log_message(self, *args):
        pass

    def note(self):
        with log_lock, open(opt.log, "a") as f:
            f.write("%s %s %s %s\n" % (self.origin, self.command, self.path,
                                       self.headers.get("Authorization", "-")))

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message, headers=()):
        body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
        self.reply(status, body, [("Content-Type", "application/json")] + list(headers))

    def endless(self, headers=()):
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"x" * 65536
        try:
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass

    def trickle(self, data):
        try:
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    # ---- the registry ----

    def authorized(self):
        got = self.headers.get("Authorization", "")
        if opt.basic:
            if got == basic_of(opt.basic):
                return True
            self.error(401, "UNAUTHORIZED", "authentication required",
                       [("WWW-Authenticate", 'Basic realm="fake"')])
            return False
        if opt.bearer:
            if got == "Bearer good-token":
                return True
            challenge = 'Bearer realm="%s/token",service="fake"' % REGISTRY
            headers = [("WWW-Authenticate", challenge)]
            if opt.negotiate:
                headers.append(("WWW-Authenticate", "Negotiate"))
            self.error(401, "UNAUTHORIZED", "authentication required", headers)
            return False
        return True

    def token(self):
        if self.headers.get("Authorization") != basic_of(opt.bearer or ""):
            return self.error(401, "UNAUTHORIZED", "bad credentials")
        self.reply(200, b'{"token": "good-token"}', [("Content-Type", "application/json")])

    def registry(self):
        path = self.path.split("?")[0]
        if path == "/token":
            return self.token()
        if not self.authorized():
            return
        parts = path.split("/")
        if path == "/v2/":
            if opt.endless == "ping":
                return self.endless()
            return self.reply(200, b"{}", [("Content-Type", "application/json")])
        if opt.referrers_api and len(parts) > 3 and parts[-2] == "referrers":
            return self.referrers(parts[-1])
        if "manifests" in parts:
            return self.manifest(parts[-1])
        if "uploads" in parts:
            return self.upload(parts)
        if "blobs" in parts:
            return self.blob(parts[-1])
        self.error(404, "NAME_UNKNOWN", "no such thing")

    def referrers(self, digest):
        found = {}
        for data, media_type in manifests.values():
            try:
                m = json.loads(data)
            except ValueError:
                continue
            if not isinstance(m, dict) or m.get("subject", {}).get("digest") != digest:
                continue
            d = {"mediaType": media_type, "digest": "sha256:" + hashlib.sha256(data).hexdigest(),
                 "size": len(data),
                 "artifactType": m.get("artifactType") or m.get("config", {}).get("mediaType")}
            if m.get("annotations"):
                d["annotations"] = m["annotations"]
            found[d["digest"]] = d
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": sorted(found.values(), key=lambda d: d["digest"])}
        self.reply(200, json.dumps(index).encode(),
                   [("Content-Type", "application/vnd.oci.image.index.v1+json")])

    def manifest(self, ref):
        if self.command == "PUT":
            data = self.body()
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            manifests[ref] = manifests[digest] = (data, self.headers.get("Content-Type"))
            headers = [("Docker-Content-Digest", digest), ("Location", self.path)]
            subject = opt.referrers_api and json.loads(data).get("subject")
            if subject:
                headers.append(("OCI-Subject", subject["digest"]))
            return self.reply(opt.manifest_put_status, b"", headers)
        if opt.silent_manifest:
            time.sleep(3600)
        if ref not in manifests:
            return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        data, media_type = manifests[ref]
        headers = [("Content-Type", media_type),
                   ("Docker-Content-Digest", "sha256:" + hashlib.sha256(data).hexdigest())]
        if opt.endless == "manifest":
            return self.endless(headers)
        if opt.slow_headers:  # the status line at once, then the headers trickle
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self.wfile.flush()
            return self.trickle(b"Content-Type: " + media_type.encode() * 100)
        if opt.cut_manifest:
            self.send_response(200)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data) + 1000))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            self.close_connection = True
            return
        self.reply(200, data, headers)

    def blob(self, digest):
        if self.command == "GET" and opt.blob_redirect:
            return self.reply(307, b"", [("Location", "%s/cdn/%s" % (OTHER, digest))])
        if digest not in blobs:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown")
        if opt.slow_blob and self.command == "GET":
            self.send_response(200)
            self.send_header("Content-Length", str(len(blobs[digest])))
            self.end_headers()
            return self.trickle(blobs[digest])
        self.reply(200, blobs[digest], [("Docker-Content-Digest", digest)])

    def upload(self, parts):
        if self.command == "POST":
            where = opt.upload_location or "/".join(parts[:-1] + [str(uuid.uuid4())])
            return self.reply(202, b"", [("Location", where), ("Range", "0-0")])
        if self.command == "PUT":
            data = self.body()
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            claimed = [q[len("digest="):] for q in self.path.partition("?")[2].split("&")
                       if q.startswith("digest=")]
            if opt.trust_upload_digest and claimed:
                digest = claimed[0]
            blobs[digest] = data
            return self.reply(201, b"", [("Docker-Content-Digest", digest)])
        self.error(405, "UNSUPPORTED", "not here")

    # ---- the other origin ----

    def other(self):
        path = self.path.split("?")[0]
        if path == "/token":
            return self.error(401, "UNAUTHORIZED", "no")
        if opt.other_challenge:
            challenge = 'Bearer realm="%s/token",service="cdn"' % OTHER
            return self.error(401, "UNAUTHORIZED", "authentication required",
                              [("WWW-Authenticate", challenge)])
        digest = path.split("/")[-1]
        if path.startswith("/cdn/") and digest in blobs:
            return self.reply(200, blobs[digest])
        self.error(404, "BLOB_UNKNOWN", "not on this host")

    def handle_any(self):
        if self.path == "/ready":  # fake_start's probe
            return self.reply(204)
        self.note()
        if self.command in ("PUT", "PATCH", "POST") and self.origin == "other":
            self.body()
        (self.registry if self.origin == "registry" else self.other)()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


class Other(Handler):
    origin = "other"


def serve(port, handler, https):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    if https:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*opt.tls)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    return server


load_layout()
main = serve(opt.port, Handler, bool(opt.tls))
other = serve(opt.other_port, Other, bool(opt.tls) and not opt.redirect_http)
threading.Thread(target=other.serve_forever, daemon=True).start()
main.serve_forever()
