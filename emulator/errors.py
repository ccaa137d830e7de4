"""Bad control input of either emulator: an error that names the offending field."""

from __future__ import annotations


class FieldError(ValueError):
    """A control request's `field` is missing or wrong; shown as `field: message`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
