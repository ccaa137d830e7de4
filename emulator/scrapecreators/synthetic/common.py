"""Seeded randomness and invented vocabulary shared by the synthetic generators."""

from __future__ import annotations

import hashlib
import random
from typing import Any

CREDITS = 24000  # constant, so the same request always gives the same bytes
FIRST = ["nora", "milo", "ada", "jun", "lena", "omar", "tess", "ravi", "ines", "kit", "zora", "eli"]
NOUNS = [
    "crumb", "oven", "maple", "pixel", "atlas", "ember", "fern", "harbor", "quill", "sprout",
    "copper", "lumen", "thistle", "orbit", "juniper", "cobalt",
]  # fmt: skip
DOMAINS = ["example.com", "example.net", "example.org"]


def rng(*parts: object) -> random.Random:
    """A generator seeded from the inputs only: same inputs, same sequence, every run."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def digits(seed: object, length: int) -> str:
    """A stable numeric id of `length` digits (TikTok uids, Instagram ids)."""
    value = int(hashlib.sha256(str(seed).encode()).hexdigest(), 16)
    return str(value)[:length].rjust(length, "1")


def slug(seed: object, length: int) -> str:
    """A stable url-safe id (YouTube video and channel ids)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    r = rng("slug", seed)
    return "".join(r.choice(alphabet) for _ in range(length))


def words(query: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in query.lower()).split() if w]


def handle_for(query: str, slot: int) -> str:
    """An invented handle belonging to a query's creator pool."""
    r = rng("handle", query, slot)
    topic = (words(query) or ["creator"])[slot % max(1, len(words(query)))]
    return f"{r.choice(FIRST)}_{topic}_{r.choice(NOUNS)}{r.randint(1, 99)}"


def title_case(handle: str) -> str:
    return " ".join(part.capitalize() for part in handle.split("_") if not part.isdigit())


def emails_for(handle: str, count: int) -> list[str]:
    r = rng("email", handle)
    local = handle.replace("_", ".").strip(".")
    boxes = ["hello", "collabs", "business", local]
    return [
        f"{boxes[(r.randint(0, 3) + i) % 4]}@{DOMAINS[(i + len(handle)) % 3]}" for i in range(count)
    ]


def envelope(payload: dict[str, Any]) -> dict[str, Any]:
    """The late-2025 envelope in front of a payload."""
    return {"success": True, "credits_remaining": CREDITS, **payload}
