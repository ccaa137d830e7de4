"""Email addresses found in free text (bios, channel descriptions, contact fields)."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Local part per RFC 5322's dot-atom (no quoted forms), a dotted domain, a 2+ letter TLD.
# The lookarounds keep "x@y.com." and "mailto:x@y.com" clean without eating neighbours.
_EMAIL = re.compile(
    r"(?<![\w.+-])"
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
    r"(?![\w-])",
    re.IGNORECASE,
)


def extract_emails(*texts: str | None) -> list[str]:
    """Every address in `texts`, lower-cased, de-duplicated, in order of first appearance."""
    return unique(
        match.group(0).lower() for text in texts if text for match in _EMAIL.finditer(text)
    )


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
