"""Optional raw-response files under `logs/api-raw/<searchType>/<platform>-<timestamp>.json`."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from service.logs import get_logger

log = get_logger("service.scrapecreators.raw")

_sequence = itertools.count(1)


class RawLog:
    """Writes one JSON file per response, with the API key scrubbed wherever it appears."""

    def __init__(self, root: Path, *, api_key: str) -> None:
        self.root = root
        self._api_key = api_key

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def write(
        self,
        *,
        search_type: str,
        platform: str,
        when: datetime,
        url: str,
        status: int | None,
        body: bytes,
    ) -> Path | None:
        """Store one exchange; a failure to write is logged, never raised (it is diagnostics)."""
        text = self._scrub(body.decode("utf-8", "replace"))
        try:
            parsed: Any = json.loads(text)
        except (ValueError, RecursionError):
            parsed = text
        record = {
            "url": self._scrub(url),
            "status": status,
            "receivedAt": when.isoformat(),
            "headers": {"x-api-key": "***"},
            "body": parsed,
        }
        # Several profile calls finish within one clock tick: a counter keeps names unique.
        stamp = f"{when.strftime('%Y%m%dT%H%M%S%fZ')}-{next(_sequence)}"
        path = self.root / search_type / f"{platform.lower()}-{stamp}.json"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, indent=2), encoding="utf-8")
        except OSError as error:
            log.warning("raw_log_failed", path=str(path), reason=str(error))
            return None
        return path
