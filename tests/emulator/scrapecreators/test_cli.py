"""`scout mock` on the command line: a port in use is one line and exit code 2, no banner."""

from __future__ import annotations

import pytest

from emulator.scrapecreators.cli import main
from service.testing import port_in_use


def test_a_port_in_use_is_one_line_and_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    with port_in_use() as port:
        code = main(["--mode", "synthetic", "--port", str(port)])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""  # no "on http://..." banner for a mock that never listened
    assert (
        captured.err == f"scout mock: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )


def test_an_unknown_cassette_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cassettes", "no_such_scenario", "--port", "0"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("scout mock: ")
    assert len(captured.err.splitlines()) == 1
