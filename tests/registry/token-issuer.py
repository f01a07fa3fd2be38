#!/usr/bin/env python3
"""token-issuer.py: a tiny Bearer token server for distribution 2.8's
auth.token (docs/spec/auth/token.md, docs/spec/auth/jwt.md), standard library
only; the RS256 signature comes from the `openssl` CLI.

usage: token-issuer.py PORT KEY.pem CERT.pem LOG [USER:PASS]

The registry checks the JWT's x5c chain against its rootcertbundle (the
self-signed CERT), then iss, aud (its service) and the access claim. Every
request is logged as one line "scope=... auth=basic|none" for tests to count.
"""
import base64, http.server, json, subprocess, sys, time, urllib.parse

port, key, cert, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
creds = sys.argv[5] if len(sys.argv) > 5 else None
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                     check=True, capture_output=True).stdout


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload):
    return subprocess.run(["openssl", "dgst", "-sha256", "-sign", key],
                          input=payload, check=True, capture_output=True).stdout


def access_of(scopes):
    out = []
    for s in scopes:
        parts = s.split(":")
        if len(parts) >= 3:
            out.append({"type": parts[0], "name": ":".join(parts[1:-1]),
                        "actions": parts[-1].split(",")})
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        scopes = q.get("scope", [])
        auth = self.headers.get("Authorization", "")
        with open(log, "a") as f:
            f.write("scope=%s auth=%s\n" % (" ".join(scopes), "basic" if auth else "none"))
        if creds is not None:
            want = "Basic " + base64.b64encode(creds.encode()).decode()
            if auth != want:
                self.send_response(401)
                self.end_headers()
                return
        self.issue(q, scopes)

    # OAuth2 refresh-token grant (docker's identity tokens): the accepted
    # refresh token is "refresh-" followed by the password.
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        q = urllib.parse.parse_qs(self.rfile.read(n).decode())
        scopes = q.get("scope", [])
        with open(log, "a") as f:
            f.write("scope=%s auth=refresh\n" % " ".join(scopes))
        want = "refresh-" + (creds or ":").split(":", 1)[1]
        if q.get("grant_type") != ["refresh_token"] or q.get("refresh_token") != [want]:
            self.send_response(401)
            self.end_headers()
            return
        self.issue(q, scopes)

    def issue(self, q, scopes):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
        claims = {"iss": "sc-test-issuer", "sub": "user", "aud": q.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(now),
                  "access": access_of(scopes)}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        token = signing_input.decode() + "." + b64url(sign(signing_input))
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
