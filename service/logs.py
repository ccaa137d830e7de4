"""Structured logging: one event name plus fields, readable text in dev and JSON in production."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_SECRET_MARKERS = ("token", "secret", "password", "api_key", "apikey", "authorization", "signing")


def _scrub(fields: dict[str, Any]) -> dict[str, Any]:
    """Never let a credential reach a log line, whatever a caller passes."""
    return {
        key: "***" if any(marker in key.lower() for marker in _SECRET_MARKERS) else value
        for key, value in fields.items()
    }


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, "fields", None)
    return _scrub(dict(fields)) if isinstance(fields, dict) else {}


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S")
        pairs = " ".join(f"{key}={value}" for key, value in record_fields(record).items())
        line = f"{when} {record.levelname:<7} {record.getMessage()}"
        if pairs:
            line += f" {pairs}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **record_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class EventLogger:
    """`log.info("job_created", job_id=..., step=...)`: an event name and its fields."""

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(name)

    def _log(self, level: int, event: str, exc_info: bool, fields: dict[str, Any]) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(level, event, exc_info=exc_info, extra={"fields": fields})

    def debug(self, event: str, **fields: Any) -> None:
        self._log(logging.DEBUG, event, False, fields)

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, event, False, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, event, False, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._log(logging.ERROR, event, False, fields)

    def exception(self, event: str, **fields: Any) -> None:
        """Log at ERROR with the current exception's traceback."""
        self._log(logging.ERROR, event, True, fields)


def get_logger(name: str) -> EventLogger:
    return EventLogger(name)


def configure_logging(*, json_format: bool, level: str = "INFO") -> None:
    """Install one stderr handler on the root logger (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_format else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_scout", False):
            root.removeHandler(old)
    handler._scout = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # These repeat what our own events say (and httpx would log every request URL).
    for noisy in ("aiohttp.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
