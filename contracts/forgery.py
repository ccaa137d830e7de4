"""Hand-made `Upstash-Signature` tokens: genuine ones and each way of getting one wrong."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any

import jwt

GO_ZERO_TIME = -62135596800  # the `nbf` real QStash tokens carry (seen in real QStash tokens)


def body_hash(body: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode()


def sign(
    key: str,
    url: str,
    body: bytes,
    *,
    issued: float | None = None,
    lifetime: int = 300,
    algorithm: str = "HS256",
) -> str:
    """A token shaped exactly like QStash's (the claims real tokens carry), signed with `key`."""
    iat = int(time.time() if issued is None else issued)
    claims: dict[str, Any] = {
        "aud": "",
        "body": body_hash(body),
        "exp": iat + lifetime,
        "iat": iat,
        "iss": "Upstash",
        "jti": f"jwt_{secrets.token_hex(14)}",
        "nbf": GO_ZERO_TIME,
        "sub": url,
    }
    if algorithm == "none":
        return _unsigned(claims)
    return jwt.encode(claims, key, algorithm=algorithm)


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def forgeries(key: str, url: str, body: bytes) -> dict[str, tuple[bytes, dict[str, str]]]:
    """Every refused delivery of `body` to `url`: name → (body sent, headers sent).

    `key` is the receiver's genuine current key; each forgery differs in exactly one way.
    """

    def signed(token: str) -> dict[str, str]:
        return {"Upstash-Signature": token, "Content-Type": "application/json"}

    genuine = sign(key, url, body)
    head, claims, _ = genuine.split(".")
    other_body = body.replace(b"}", b',"tampered":true}', 1)
    return {
        "unsigned": (body, {"Content-Type": "application/json"}),
        "malformed": (body, signed("not-a-jwt")),
        "forged": (body, signed(f"{head}.{claims}.{'A' * 43}")),
        "wrong key": (body, signed(sign("sig_" + secrets.token_hex(14), url, body))),
        "expired": (body, signed(sign(key, url, body, issued=time.time() - 600))),
        "tampered": (other_body, signed(genuine)),
        "wrong url": (body, signed(sign(key, "https://elsewhere.example/api/hook", body))),
        "alg none": (body, signed(sign(key, url, body, algorithm="none"))),
    }
