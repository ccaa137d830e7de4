"""Readable dev logs: every component's lines through one console, prefixed by who wrote them."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.text import Text

from service.logs import TextFormatter

# Logger name prefix → (label, colour); the first match wins.
COMPONENTS = (
    ("emulator.qstash", "qstash", "magenta"),
    ("emulator.scrapecreators", "mock", "cyan"),
    ("service", "service", "green"),
)
WIDTH = max(len(label) for _, label, _ in COMPONENTS)


def component(logger_name: str) -> tuple[str, str]:
    for prefix, label, colour in COMPONENTS:
        if logger_name == prefix or logger_name.startswith(prefix + "."):
            return label, colour
    return "dev", "yellow"


class ConsoleHandler(logging.Handler):
    """Writes through the rich console, so log lines and the live progress bar never garble."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console
        self.setFormatter(TextFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            label, colour = component(record.name)
            line = Text(f"[{label.ljust(WIDTH)}] ", style=colour)
            line.append(self.format(record))
            self.console.print(line, soft_wrap=True, highlight=False)
        except Exception:
            self.handleError(record)


def configure(console: Console, level: str = "INFO") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(ConsoleHandler(console))
    root.setLevel(level)
    for noisy in ("aiohttp.access", "httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
