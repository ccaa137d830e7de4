"""The hand-made tokens: the genuine one passes the official Receiver, every forgery fails it."""

from __future__ import annotations

import pytest
from qstash import Receiver
from qstash.errors import SignatureError

from contracts.forgery import forgeries, sign

# Real signing keys are "sig_" and 28 characters; PyJWT warns about shorter HMAC keys.
CURRENT, NEXT = "sig_" + "c" * 28, "sig_" + "n" * 28
URL = "http://127.0.0.1:3000/api/qstash/process-scraping"
BODY = b'{"jobId": "00000000-0000-0000-0000-000000000001", "step": 0}'


def test_a_genuine_token_verifies_with_either_key_of_the_pair() -> None:
    for key in (CURRENT, NEXT):
        Receiver(CURRENT, NEXT).verify(signature=sign(key, URL, BODY), body=BODY.decode(), url=URL)


@pytest.mark.parametrize(
    "name", [name for name in forgeries(CURRENT, URL, BODY) if name != "unsigned"]
)
def test_every_forgery_is_refused_by_the_official_receiver(name: str) -> None:
    sent, headers = forgeries(CURRENT, URL, BODY)[name]
    with pytest.raises(SignatureError):
        Receiver(CURRENT, NEXT).verify(
            signature=headers["Upstash-Signature"], body=sent.decode(), url=URL
        )


def test_an_unsigned_delivery_carries_no_signature() -> None:
    _, headers = forgeries(CURRENT, URL, BODY)["unsigned"]
    assert "Upstash-Signature" not in headers
