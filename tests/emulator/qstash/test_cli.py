"""The qstash-emulator command line: start-up banner and one-line errors with exit code 2."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from emulator.qstash.cli import banner, main
from service.testing import port_in_use
from tests.emulator.qstash.conftest import Sink, serve
from tests.emulator.qstash.test_durability import AUTH, emulator_process


def _one_line_error(capsys: pytest.CaptureFixture[str], code: int) -> str:
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("qstash-emulator: ")
    return lines[0]


def test_bad_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--bogus" in _one_line_error(capsys, main(["--bogus"]))


def test_memory_and_db_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    line = _one_line_error(capsys, main(["--memory", "--db", "x.sqlite3"]))
    assert "not allowed with" in line


def test_unreadable_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "state.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    line = _one_line_error(capsys, main(["--db", str(bad), "--port", "0"]))
    assert "file is not a database" in line


def test_port_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state.sqlite3"
    with port_in_use() as port:
        line = _one_line_error(capsys, main(["--db", str(db), "--port", str(port)]))
    assert list(tmp_path.iterdir()) == []  # a command that fails leaves no database behind
    assert line == f"qstash-emulator: cannot listen on 127.0.0.1:{port}: Address already in use"


def test_banner_has_the_four_env_lines() -> None:
    text = banner("http://127.0.0.1:8080", "tok", "sig_a", "sig_b")
    assert text.splitlines()[0] == "QStash emulator running at http://127.0.0.1:8080"
    assert text.splitlines()[1] == "Dashboard at http://127.0.0.1:8080/_emulator/ui/"
    assert text.splitlines()[-4:] == [
        "QSTASH_URL=http://127.0.0.1:8080",
        "QSTASH_TOKEN=tok",
        "QSTASH_CURRENT_SIGNING_KEY=sig_a",
        "QSTASH_NEXT_SIGNING_KEY=sig_b",
    ]


@pytest.mark.parametrize(
    ("value", "why"),
    [("soon", 'invalid duration "soon"'), ("5", "missing unit"), ("-5s", "is negative")],
)
def test_bad_retain_delivered(capsys: pytest.CaptureFixture[str], value: str, why: str) -> None:
    line = _one_line_error(capsys, main([f"--retain-delivered={value}", "--memory"]))
    assert line.startswith("qstash-emulator: argument --retain-delivered: ")
    assert why in line


async def test_retain_delivered_flag_keeps_delivered_messages_readable(tmp_path: Path) -> None:
    sink = Sink()
    flags = ("--manual-clock", "--retain-delivered", "5s")
    async with (
        serve(sink.handle) as base,
        emulator_process(tmp_path / "state.sqlite3", *flags) as (url, _),
        httpx.AsyncClient(base_url=url, headers=AUTH) as http,
    ):
        sink.base = base
        published = await http.post(f"/v2/publish/{sink.url()}", content=b"fast")
        message_id = published.json()["messageId"]
        assert (await http.post("/_emulator/drain")).status_code == 200
        assert len(sink.received) == 1
        got = await http.get(f"/v2/messages/{message_id}")
        assert (got.status_code, got.json()["body"]) == (200, "fast")
        await http.post("/_emulator/clock", json={"advance": "5s"})
        assert (await http.get(f"/v2/messages/{message_id}")).status_code == 404
