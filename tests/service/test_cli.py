"""The service's command line: `scout db`, `scout serve` start-up errors, and the built app."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from emulator.qstash.testing import running_emulator
from scout.cli import main as scout
from service.runtime import build_app
from service.settings import load_settings
from tests.service.conftest import settings_env


def test_db_upgrade_then_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    assert scout(["db", "current", "--database-url", url]) == 0
    assert scout(["db", "upgrade", "--database-url", url]) == 0
    assert scout(["db", "current", "--database-url", url]) == 0

    assert capsys.readouterr().out.splitlines() == [
        "current revision none (head 0001)",
        "database at revision 0001",
        "current revision 0001 (head 0001)",
    ]


def test_db_reads_database_url_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert scout(["db", "upgrade"]) == 0
    assert (tmp_path / "env.db").exists()


def test_a_bad_database_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert scout(["db", "upgrade", "--database-url", "mysql://x/y"]) == 2
    assert capsys.readouterr().err == (
        "scout: configuration error: DATABASE_URL must be sqlite or postgresql, got 'mysql'\n"
    )


def test_serve_refuses_to_start_without_its_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in settings_env():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NEXT_PUBLIC_SITE_URL", raising=False)

    assert scout(["serve", "--port", "0"]) == 2
    assert capsys.readouterr().err == "scout: configuration error: QSTASH_TOKEN is required\n"


async def test_the_built_app_migrates_on_start_and_serves(tmp_path: Path) -> None:
    async with running_emulator() as emulator:
        settings = load_settings(
            settings_env(
                QSTASH_URL=emulator.url,
                QSTASH_TOKEN=emulator.token,
                DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
            )
        )
        async with TestClient(TestServer(build_app(settings))) as client:
            health = await client.get("/healthz")
            created = await client.post(
                "/api/campaigns", json={"name": "n"}, headers={"Authorization": "Bearer dev:u"}
            )
            health_body = await health.json()

    assert health_body == {"status": "ok", "database": "ok", "qstash": "ok"}
    assert created.status == 201
