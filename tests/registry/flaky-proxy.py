#!/usr/bin/env python3
"""flaky-proxy.py: an HTTP proxy in front of a registry that drops the
connection in the middle of the first download of each large blob, so the
tests can watch a client resume (standard library only).

usage: flaky-proxy.py PORT UPSTREAM_URL MIN_BYTES LOG [slow | fail:N:STATUS[:RETRY_AFTER]]

A GET of /v2/.../blobs/sha256:... whose answer is a full 200 of at least
MIN_BYTES sends its headers and half of the body, then closes the
connection; later requests for it pass through untouched (a Range request
gets the registry's 206).  With "slow", such answers are not cut but
trickle out (16 KiB every 50 ms), so a test can interrupt a download.
With "fail:N:STATUS", the first N requests are answered STATUS (503, 429,
404...) with a registry error body (and Retry-After when given) and logged
"METHOD PATH STATUS - FAILED"; the ones after pass through.  Every request is logged as "METHOD PATH STATUS
RANGE" for the tests.
"""
import http.client, http.server, sys, threading, time, urllib.parse

port, upstream, min_bytes, log = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
mode = sys.argv[5] if len(sys.argv) > 5 else ""
slow = mode == "slow"
fail = mode.split(":") if mode.startswith("fail:") else None
fail_left = [int(fail[1]) if fail else 0]
up = urllib.parse.urlsplit(upstream)
dropped = set()
lock = threading.Lock()
PASS = ("Content-Type", "Content-Length", "Content-Range", "Docker-Content-Digest",
        "Docker-Distribution-Api-Version", "WWW-Authenticate", "Location", "Range",
        "Accept-Ranges", "Etag")


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def fail_early(self):
        """Answer fail:N:STATUS while N lasts; True when it did."""
        with lock:
            if fail_left[0] <= 0:
                return False
            fail_left[0] -= 1
        status = int(fail[2])
        body = b'{"errors":[{"code":"UNAVAILABLE","message":"injected failure"}]}'
        with open(log, "a") as f:
            f.write("%s %s %d - FAILED\n" % (self.command, self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if len(fail) > 3:
            self.send_header("Retry-After", fail[3])
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return True

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.fail_early():
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        blob = "/blobs/sha256:" in self.path and self.command == "GET"
        big = blob and resp.status == 200 and len(data) >= min_bytes
        with lock:
            drop = big and not slow and self.path not in dropped
            if drop:
                dropped.add(self.path)
        with open(log, "a") as f:
            f.write("%s %s %d %s%s\n" % (self.command, self.path, resp.status,
                                         self.headers.get("Range", "-"),
                                         " DROPPED" if drop else ""))
        self.send_response(resp.status)
        for k in PASS:
            v = resp.getheader(k)
            if v is not None:
                self.send_header(k, v)
        if resp.getheader("Content-Length") is None:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if drop:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if big and slow:
            for i in range(0, len(data), 16384):
                self.wfile.write(data[i:i + 16384])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward


http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
