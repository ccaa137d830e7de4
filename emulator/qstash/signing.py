"""Sign deliveries the way QStash does: an HS256 JWT in the `Upstash-Signature` header."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random
import secrets
import time

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Maps every byte to a base58 character. The slight skew (256 is not a multiple of 58) is
# harmless for JWT ids, which need uniqueness, not secrecy: they come from `random` (reseeded
# in forked children), 2.5x cheaper than os.urandom; keys use secrets.choice instead.
_BYTE_TO_BASE58 = bytes((_BASE58 * 5)[:256], "ascii")
# base64url of {"alg":"HS256","typ":"JWT"}, byte for byte what QStash sends.
_HEADER_SEGMENT = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
# Go's zero time.Time in Unix seconds: the nbf real QStash tokens have carried since September 2024.
_GO_ZERO_TIME = -62135596800
_LIFETIME = 300
# Go's encoding/json escapes these inside strings; mirror it so `sub` matches real tokens.
_GO_JSON_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


@functools.lru_cache(maxsize=16)
def _hmac_pads(key: str) -> tuple[hashlib._Hash, hashlib._Hash]:
    """SHA-256 states primed with the key's inner and outer HMAC pads (RFC 2104).

    Copying primed states costs half of hmac.digest(), which re-derives them on every call;
    sign() runs once per delivery, so this is worth the few lines.
    """
    raw = key.encode()
    if len(raw) > 64:
        raw = hashlib.sha256(raw).digest()
    raw = raw.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in raw))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in raw))
    return inner, outer


def _hmac_sha256(key: str, message: bytes) -> bytes:
    inner_pad, outer_pad = _hmac_pads(key)
    inner = inner_pad.copy()
    inner.update(message)
    outer = outer_pad.copy()
    outer.update(inner.digest())
    return outer.digest()


@functools.lru_cache(maxsize=4096)
def _json_string(text: str) -> str:
    # Destinations repeat, and json.dumps is a third of the cost of a token.
    return json.dumps(text, ensure_ascii=False).translate(_GO_JSON_ESCAPES)


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def new_jwt_id() -> str:
    return "jwt_" + random.randbytes(28).translate(_BYTE_TO_BASE58).decode("ascii")


def new_signing_key() -> str:
    return "sig_" + "".join(secrets.choice(_BASE58) for _ in range(28))


def sign(*, key: str, url: str, body: bytes, now: float | None = None) -> str:
    """The `Upstash-Signature` JWT for delivering `body` to `url`, signed with `key`.

    `now` is wall-clock time by default: receivers check iat/exp against real time even
    when the emulator schedules on a manual clock.
    """
    iat = int(time.time() if now is None else now)
    body_hash = base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode("ascii")
    subject = _json_string(url)
    # Claims in alphabetical order, compact, as Go marshals QStash's claims struct.
    claims = (
        f'{{"aud":"","body":"{body_hash}","exp":{iat + _LIFETIME},"iat":{iat},'
        f'"iss":"Upstash","jti":"{new_jwt_id()}","nbf":{_GO_ZERO_TIME},"sub":{subject}}}'
    )
    signing_input = _HEADER_SEGMENT + b"." + _b64url(claims.encode())
    signature = _hmac_sha256(key, signing_input)
    return (signing_input + b"." + _b64url(signature)).decode("ascii")


def corrupt(token: str) -> str:
    """The same token with a wrong signature, so every receiver rejects it (fault injection)."""
    head, _, signature = token.rpartition(".")
    # Changing the first character alters the first decoded byte; the last character of an
    # unpadded segment can carry only padding bits, which lenient decoders ignore.
    first = "B" if signature[:1] == "A" else "A"
    return f"{head}.{first}{signature[1:]}"
