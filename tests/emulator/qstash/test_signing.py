"""Delivery signatures, checked by the official Python SDK's Receiver."""

from __future__ import annotations

import base64
import hmac
import json
import re
import time
from typing import Any

import pytest
from qstash import Receiver
from qstash.errors import SignatureError

from emulator.qstash.signing import corrupt, new_jwt_id, new_signing_key, sign

CURRENT = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r"
NEXT = "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs"
URL = "http://127.0.0.1:9000/api/qstash/process?job=1&step=2"
BODY = b'{"jobId":"j1","step":0}'
BASE58 = "[1-9A-HJ-NP-Za-km-z]"


def _segment(token: str, index: int) -> bytes:
    part = token.split(".")[index]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = json.loads(_segment(token, 1))
    return claims


def test_current_key_signature_verifies_with_the_official_receiver() -> None:
    token = sign(key=CURRENT, url=URL, body=BODY)
    Receiver(CURRENT, NEXT).verify(signature=token, body=BODY.decode(), url=URL)


def test_next_key_signature_verifies_after_rotation_on_the_receiver_side() -> None:
    # Receivers that have not updated yet still accept a token signed with their next key.
    token = sign(key=NEXT, url=URL, body=BODY)
    Receiver(CURRENT, NEXT).verify(signature=token, body=BODY.decode(), url=URL)


def test_token_has_qstash_header_and_claims_in_order() -> None:
    token = sign(key=CURRENT, url=URL, body=b"Hello World", now=1_700_000_000.7)
    assert token.split(".")[0] == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    assert _segment(token, 0) == b'{"alg":"HS256","typ":"JWT"}'
    assert "=" not in token
    raw = _segment(token, 1).decode()
    assert raw.startswith(
        '{"aud":"","body":"pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4=",'
        '"exp":1700000300,"iat":1700000000,"iss":"Upstash","jti":"jwt_'
    )
    assert raw.endswith(
        r',"nbf":-62135596800,"sub":"http://127.0.0.1:9000/api/qstash/process?job=1\u0026step=2"}'
    )
    assert list(_claims(token)) == ["aud", "body", "exp", "iat", "iss", "jti", "nbf", "sub"]
    assert _claims(token)["sub"] == URL
    assert re.fullmatch(f"jwt_{BASE58}{{28}}", _claims(token)["jti"])


def test_unusual_urls_survive_as_the_subject() -> None:
    url = 'http://127.0.0.1:9000/a//b?q="x"&name=Zoë<>'
    token = sign(key=CURRENT, url=url, body=b"")
    Receiver(CURRENT, NEXT).verify(signature=token, body="", url=url)


@pytest.mark.parametrize(
    ("url", "body", "message"),
    [
        ("http://127.0.0.1:9000/other", BODY.decode(), "Invalid subject"),
        (URL, '{"jobId":"j1","step":1}', "Invalid body hash"),
    ],
)
def test_receiver_rejects_wrong_url_or_tampered_body(url: str, body: str, message: str) -> None:
    # Signed with the next key: the Receiver reports the error of its next-key attempt, so
    # the message then names the real reason instead of a key mismatch.
    token = sign(key=NEXT, url=URL, body=BODY)
    with pytest.raises(SignatureError, match=message):
        Receiver(CURRENT, NEXT).verify(signature=token, body=body, url=url)


def test_receiver_rejects_an_expired_token() -> None:
    token = sign(key=NEXT, url=URL, body=BODY, now=time.time() - 301)
    with pytest.raises(SignatureError, match="Signature has expired"):
        Receiver(CURRENT, NEXT).verify(signature=token, body=BODY.decode(), url=URL)


def test_receiver_rejects_a_token_signed_with_another_key() -> None:
    token = sign(key=new_signing_key(), url=URL, body=BODY)
    with pytest.raises(SignatureError, match="Signature verification failed"):
        Receiver(CURRENT, NEXT).verify(signature=token, body=BODY.decode(), url=URL)


def test_corrupted_token_is_rejected_but_keeps_its_claims() -> None:
    token = sign(key=CURRENT, url=URL, body=BODY)
    bad = corrupt(token)
    assert bad != token
    assert _claims(bad) == _claims(token)
    assert _segment(bad, 2) != _segment(token, 2)
    with pytest.raises(SignatureError, match="Signature verification failed"):
        Receiver(CURRENT, NEXT).verify(signature=bad, body=BODY.decode(), url=URL)


def test_new_keys_and_ids_have_qstash_shapes_and_differ() -> None:
    keys = {new_signing_key() for _ in range(50)}
    ids = {new_jwt_id() for _ in range(50)}
    assert len(keys) == len(ids) == 50
    assert all(re.fullmatch(f"sig_{BASE58}{{28}}", key) for key in keys)
    assert all(re.fullmatch(f"jwt_{BASE58}{{28}}", jti) for jti in ids)


def test_every_token_gets_its_own_id() -> None:
    tokens = [sign(key=CURRENT, url=URL, body=BODY, now=1_700_000_000) for _ in range(20)]
    assert len({_claims(token)["jti"] for token in tokens}) == 20


@pytest.mark.parametrize("key", [CURRENT, "k", "x" * 64, "y" * 65, "sig_Zoë"])
def test_signature_is_the_standard_hmac_for_any_key_length(key: str) -> None:
    token = sign(key=key, url=URL, body=BODY)
    signing_input, _, _ = token.rpartition(".")
    expected = hmac.digest(key.encode(), signing_input.encode(), "sha256")
    assert _segment(token, 2) == expected
