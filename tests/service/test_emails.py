"""Email extraction from bios and contact fields."""

from __future__ import annotations

import pytest

from service.jobs.emails import extract_emails


@pytest.mark.parametrize(
    ("texts", "found"),
    [
        (["📩 Hello@Crumb.Example.com for collabs"], ["hello@crumb.example.com"]),
        (
            ["pr: nadia.pr@example.net. orders: orders+tiktok@shop.example.org!"],
            ["nadia.pr@example.net", "orders+tiktok@shop.example.org"],
        ),
        (["mailto:a@b.co.uk,(c-d@e-f.io)"], ["a@b.co.uk", "c-d@e-f.io"]),
        (["a@b.com", "A@B.COM and a@b.com"], ["a@b.com"]),
        (["no email @here or user@localhost or x@y.z"], []),
        ([None, ""], []),
    ],
)
def test_addresses_are_found_lower_cased_and_unique(
    texts: list[str | None], found: list[str]
) -> None:
    assert extract_emails(*texts) == found
