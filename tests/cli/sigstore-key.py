#!/usr/bin/python3
"""sigstore-key.py: write a cosign/sigstore encrypted private key, as
`cosign generate-key-pair` does (go-securesystemslib's "encrypted"
format), for tests: the PKCS#8 DER of an existing key sealed with NaCl
secretbox under scrypt(passphrase).

    sigstore-key.py PKCS8.der PASSPHRASE-FILE OUT.key [PEM-TYPE]

The passphrase is the first line of PASSPHRASE-FILE (as skopeo reads
--sign-passphrase-file).  PEM-TYPE defaults to ENCRYPTED SIGSTORE PRIVATE
KEY (ENCRYPTED COSIGN PRIVATE KEY is the older name)."""
import base64
import hashlib
import json
import os
import sys

import nacl.secret
import nacl.utils

N, R, P = 32768, 8, 1  # go-securesystemslib's legacy parameters: every version reads them


def main():
    der = open(sys.argv[1], "rb").read()
    passphrase = open(sys.argv[2], "rb").read().split(b"\n")[0]
    pem_type = sys.argv[4] if len(sys.argv) > 4 else "ENCRYPTED SIGSTORE PRIVATE KEY"
    salt = os.urandom(32)
    key = hashlib.scrypt(passphrase, salt=salt, n=N, r=R, p=P, maxmem=64 << 20, dklen=32)
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    sealed = nacl.secret.SecretBox(key).encrypt(der, nonce).ciphertext
    doc = {
        "kdf": {"name": "scrypt", "params": {"N": N, "r": R, "p": P},
                "salt": base64.b64encode(salt).decode()},
        "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    body = base64.encodebytes(json.dumps(doc).encode()).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    with open(sys.argv[3], "w") as out:
        out.write("-----BEGIN %s-----\n%s\n-----END %s-----\n" % (pem_type, "\n".join(lines), pem_type))


if __name__ == "__main__":
    main()
