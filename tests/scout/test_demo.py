"""Bad starts of `scout demo` and `scout dev`: a clear message and exit code 2, no traceback."""

from __future__ import annotations

import pytest

from scout import demo, dev
from tests.scout.devprocess import free_port


def test_demo_without_a_stack_says_so_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    assert demo.main(["--service-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"scout demo: cannot reach {url}")
    assert err.count("\n") == 1


def test_dev_refuses_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        dev.main(["--port", "70000"])
    assert exit_info.value.code == 2
    assert "argument --port: 70000 is not a port number" in capsys.readouterr().err
