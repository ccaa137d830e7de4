"""Strict replay of vcrpy cassettes through vcrpy's own loader and matchers, with helpful misses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from vcr import matchers
from vcr.cassette import Cassette
from vcr.record_mode import RecordMode
from vcr.request import Request

# The API key header is deliberately absent: recordings never hold it, and any key replays.
MATCH_ON = (matchers.method, matchers.path, matchers.query)
# The project's cassettes. In a checkout `cassettes` beside this file is a link to
# fixtures/cassettes; a wheel holds copies of them there, so an installed mock replays them too.
DEFAULT_FOLDER = (Path(__file__).parent / "cassettes").resolve()
# vcrpy drops these when it records; a replayed body is whole and unencoded.
_HOP_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "connection"}
_CLOSEST = 3


class CassetteError(ValueError):
    """A cassette name that resolves to no file, or a file vcrpy cannot load."""


@dataclass(frozen=True)
class Recording:
    """One response to play back."""

    cassette: str
    index: int
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def resolve(sources: Sequence[str | Path] | str | Path | None) -> list[Path]:
    """Cassette files from names (stems in the default folder), file paths or folders."""
    if sources is None:
        return []
    if isinstance(sources, str | Path):
        sources = [sources]
    paths: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            paths += sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
        elif path.is_file():
            paths.append(path)
        elif (DEFAULT_FOLDER / f"{source}.yaml").is_file():
            paths.append(DEFAULT_FOLDER / f"{source}.yaml")
        else:
            raise CassetteError(f"no cassette named {str(source)!r} (looked in {DEFAULT_FOLDER})")
    return paths


def load(path: Path) -> Cassette:
    """Load one cassette read-only; vcrpy treats a broken file as empty, we refuse it."""
    try:
        cassette = Cassette.load(path=str(path), match_on=MATCH_ON, record_mode=RecordMode.NONE)
    except (yaml.YAMLError, ValueError, KeyError, TypeError) as exc:
        raise CassetteError(f"cassette {path} cannot be loaded: {exc}") from exc
    if len(cassette) == 0:
        raise CassetteError(f"cassette {path} holds no interactions vcrpy can load")
    return cassette


def describe(request: Request) -> dict[str, Any]:
    return {
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "url": f"{request.path}?{urlencode(request.query)}" if request.query else request.path,
    }


class CassetteLibrary:
    """The loaded cassettes, played in order: the first unplayed recording that matches wins."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self._cassettes = [(path.stem, load(path)) for path in paths]

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self._cassettes]

    def play(self, request: Request) -> Recording | None:
        for name, cassette in self._cassettes:
            if request in cassette:
                # Cassette.play_response marks the first unplayed match as played, so recorded
                # duplicates ("503, then 200") come back in their recorded order.
                response = cassette.play_response(request)
                index = _played_index(cassette, response)
                return _recording(name, index, response)
        return None

    def closest(self, request: Request) -> list[dict[str, Any]]:
        """The recordings nearest to a missed request and, for each, what differed."""
        scored: list[tuple[tuple[int, int], dict[str, Any]]] = []
        for name, cassette in self._cassettes:
            for index, (stored, _) in enumerate(cassette.data):
                passed, failed = matchers.get_matchers_results(request, stored, MATCH_ON)
                entry = {
                    "cassette": name,
                    "index": index,
                    **describe(stored),
                    "played": cassette.play_counts[index] > 0,
                    "matched": passed,
                    "differences": _differences(request, stored, [m for m, _ in failed]),
                }
                # Most matchers passed first; among those, fewest differing parameters.
                scored.append(((-len(passed), len(entry["differences"])), entry))
        scored.sort(key=lambda pair: pair[0])
        return [entry for score, entry in scored[:_CLOSEST] if score[0] < 0]

    def unplayed(self) -> list[dict[str, Any]]:
        return [
            {"cassette": name, "index": index, **describe(stored)}
            for name, cassette in self._cassettes
            for index, (stored, _) in enumerate(cassette.data)
            if cassette.play_counts[index] == 0
        ]

    def rewind(self) -> None:
        for _, cassette in self._cassettes:
            cassette.rewind()


def _played_index(cassette: Cassette, response: Any) -> int:
    # play_response returns the response object itself; find it by identity among the recordings.
    return next(i for i, (_, stored) in enumerate(cassette.data) if stored is response)


def _recording(name: str, index: int, response: dict[str, Any]) -> Recording:
    headers = [
        (key, value)
        for key, values in response.get("headers", {}).items()
        if key.lower() not in _HOP_HEADERS
        for value in (values if isinstance(values, list) else [values])
    ]
    body = response.get("body", {}).get("string", b"")
    return Recording(
        cassette=name,
        index=index,
        status=int(response["status"]["code"]),
        headers=headers,
        body=body.encode() if isinstance(body, str) else bytes(body),
    )


def _differences(asked: Request, stored: Request, failed: list[str]) -> list[str]:
    notes: list[str] = []
    if "method" in failed:
        notes.append(f"method: asked {asked.method}, recorded {stored.method}")
    if "path" in failed:
        notes.append(f"path: asked {asked.path}, recorded {stored.path}")
    if "query" in failed:
        mine, theirs = dict(asked.query), dict(stored.query)
        for key in sorted(mine.keys() | theirs.keys()):
            if mine.get(key) != theirs.get(key):
                notes.append(
                    f"query {key}: asked {_show(mine.get(key))}, recorded {_show(theirs.get(key))}"
                )
    return notes


def _show(value: str | None) -> str:
    return "(absent)" if value is None else repr(value)
