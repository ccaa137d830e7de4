"""Structured logs: event plus fields, as text or JSON, never carrying secrets."""

from __future__ import annotations

import json
import logging

import pytest

from service.logs import JsonFormatter, TextFormatter, configure_logging, get_logger


def record(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    with caplog.at_level(logging.INFO, logger="test.events"):
        get_logger("test.events").info(
            "step_published", job_id="j1", step=2, qstash_token="s3cret", api_key="k"
        )
    [entry] = caplog.records
    return entry


def test_json_lines_carry_the_event_and_its_fields(caplog: pytest.LogCaptureFixture) -> None:
    line = json.loads(JsonFormatter().format(record(caplog)))

    assert line["event"] == "step_published"
    assert (line["level"], line["logger"]) == ("info", "test.events")
    assert (line["job_id"], line["step"]) == ("j1", 2)
    assert (line["qstash_token"], line["api_key"]) == ("***", "***")


def test_text_lines_are_readable(caplog: pytest.LogCaptureFixture) -> None:
    line = TextFormatter().format(record(caplog))

    assert "INFO    step_published job_id=j1 step=2" in line
    assert "s3cret" not in line


def test_configuring_twice_keeps_one_handler() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        configure_logging(json_format=True)
        configure_logging(json_format=False, level="WARNING")
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1
        assert isinstance(added[0].formatter, TextFormatter)
        assert root.level == logging.WARNING
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
        root.setLevel(level)
