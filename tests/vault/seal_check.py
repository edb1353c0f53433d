#!/usr/bin/python3
"""iam-seal-v1 written from its description in common/seal.h alone, with
python3-cryptography: what seal_tool seals must open here, and what is
sealed here must open with seal_tool.

  seal_check.py unseal KEYFILE CONTEXT   sealed text on stdin -> secret
  seal_check.py seal PUB_B64 CONTEXT     secret on stdin -> sealed text
"""
import base64
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "iam-seal-v1:"
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def key_nonce(shared, eph_pub, vault_pub):
    okm = HKDF(algorithm=hashes.SHA256(), length=44, salt=eph_pub + vault_pub,
               info=b"iam-seal-v1").derive(shared)
    return okm[:32], okm[32:]


def unseal(keyfile, context, sealed):
    with open(keyfile, "rb") as f:
        vault = serialization.load_pem_private_key(f.read(), password=None)
    assert sealed.startswith(PREFIX), "no prefix"
    raw = base64.b64decode(sealed[len(PREFIX):], validate=True)
    eph_pub, ct = raw[:32], raw[32:]
    key, nonce = key_nonce(vault.exchange(X25519PublicKey.from_public_bytes(eph_pub)),
                           eph_pub, vault.public_key().public_bytes(*RAW))
    return AESGCM(key).decrypt(nonce, ct, context.encode()).decode()


def seal(pub_b64, context, secret):
    vault_pub = base64.b64decode(pub_b64, validate=True)
    eph = X25519PrivateKey.generate()
    eph_pub = eph.public_key().public_bytes(*RAW)
    key, nonce = key_nonce(eph.exchange(X25519PublicKey.from_public_bytes(vault_pub)),
                           eph_pub, vault_pub)
    ct = AESGCM(key).encrypt(nonce, secret.encode(), context.encode())
    return PREFIX + base64.b64encode(eph_pub + ct).decode()


def main():
    verb, arg, context = sys.argv[1:4]
    line = sys.stdin.readline().rstrip("\n")
    print(unseal(arg, context, line) if verb == "unseal" else seal(arg, context, line))


main()
