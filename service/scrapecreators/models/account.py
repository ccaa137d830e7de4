"""Models of the credit balance and of error bodies, and the readable reason of any error."""

from __future__ import annotations

import json

from pydantic import ValidationError

from service.scrapecreators.models.base import (
    Count,
    Envelope,
    Model,
    Text,
)

# --- Account and errors ----------------------------------------------------------------------


class CreditBalance(Envelope):
    """`GET /v1/credit-balance`."""

    creditCount: Count = 0


class ErrorBody(Model):
    """A JSON error body; the vendor puts the human text in `message`, sometimes only `error`."""

    success: bool | None = None
    message: Text = ""
    error: Text = ""

    def text(self) -> str:
        return self.message or self.error


def error_text(body: str | bytes, *, limit: int = 200) -> str:
    """The readable reason in any error body: JSON `message`/`error`, else the raw text (HTML 404,
    text/plain 503), collapsed to one line and cut to `limit` characters."""
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):  # any body, however broken or deep, has a reason
        parsed = None
    if isinstance(parsed, dict):
        try:
            reason = ErrorBody.model_validate(parsed).text()
        except ValidationError:
            reason = ""
        if reason:
            return reason[:limit]
    return " ".join(raw.split())[:limit]
