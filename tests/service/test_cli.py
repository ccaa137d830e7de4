"""The service's command line: `scout db`, `scout serve` start-up errors, and the built app."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from aiohttp.test_utils import TestClient, TestServer

from emulator.qstash.testing import running_emulator
from scout.cli import main as scout
from service.config.settings import load_settings
from service.runtime import build_app
from service.store.migrate import head_revision
from service.testing import free_port, port_in_use
from tests.service.conftest import settings_env
from tests.service.test_settings import HOSTILE_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0
HEAD = head_revision()


def clean_environment(**exported: str) -> dict[str, str]:
    """This process's environment without any service variable, plus `exported`."""
    env = {k: v for k, v in os.environ.items() if k not in HOSTILE_ENVIRONMENT}
    return {**env, "PYTHONUNBUFFERED": "1", **exported}


def service_environment(
    qstash: dict[str, str], mock_url: str, service_url: str, folder: Path, **extra: str
) -> dict[str, str]:
    """What a production user exports for `scout serve`, with the emulator and the mock standing
    in for QStash and ScrapeCreators (development auth, SQLite in `folder`)."""
    return clean_environment(
        **qstash,
        SCRAPECREATORS_API_URL=mock_url,
        SCRAPECREATORS_API_KEY="dev-key",
        PUBLIC_BASE_URL=service_url,
        DATABASE_URL=f"sqlite:///{folder / 'scout.db'}",
        AUTH_MODE="dev",
        **extra,
    )


def run_scout(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scout", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )


def only_line(stderr: str) -> str:
    """The one line a failing command prints (log lines from before the failure aside)."""
    lines = [line for line in stderr.splitlines() if line.startswith("scout:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr, stderr
    return lines[0]


def test_db_upgrade_then_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    assert scout(["db", "current", "--database-url", url]) == 0
    assert scout(["db", "upgrade", "--database-url", url]) == 0
    assert scout(["db", "current", "--database-url", url]) == 0

    head = head_revision()
    assert capsys.readouterr().out.splitlines() == [
        f"current revision none (head {head}): no database at {tmp_path / 'cli.db'}",
        f"database at revision {head}",
        f"current revision {head} (head {head})",
    ]


def test_db_current_only_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "absent" / "scout.db"

    assert scout(["db", "current", "--database-url", f"sqlite:///{missing}"]) == 0

    head = head_revision()
    assert (
        capsys.readouterr().out
        == f"current revision none (head {head}): no database at {missing}\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_db_names_an_unreachable_database_without_its_password(
    capsys: pytest.CaptureFixture[str], refused_url: str
) -> None:
    port = refused_url.rsplit(":", 1)[1]
    url = f"postgresql://scout:hunter2@127.0.0.1:{port}/scout"

    assert scout(["db", "upgrade", "--database-url", url]) == 2
    assert capsys.readouterr().err == (
        f"scout: cannot reach the database at 127.0.0.1:{port} (DATABASE_URL): "
        f"Connect call failed ('127.0.0.1', {port})\n"
    )


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
    for name in HOSTILE_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)

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


def test_serve_on_a_busy_port_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    env = clean_environment(**settings_env(DATABASE_URL="sqlite:///state/scout.db"))
    with port_in_use() as port:
        done = run_scout("serve", "--port", str(port), env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert (
        only_line(done.stderr)
        == f"scout: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert list(tmp_path.iterdir()) == []


def test_serve_names_an_unreachable_database_without_its_password(
    tmp_path: Path, refused_url: str
) -> None:
    port = refused_url.rsplit(":", 1)[1]
    database = f"postgresql://scout:hunter2@127.0.0.1:{port}/scout"
    env = clean_environment(**settings_env(DATABASE_URL=database))

    done = run_scout("serve", "--port", str(free_port()), env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert only_line(done.stderr) == (
        f"scout: cannot reach the database at 127.0.0.1:{port} (DATABASE_URL): "
        f"Connect call failed ('127.0.0.1', {port})"
    )
    assert "hunter2" not in done.stderr + done.stdout


def test_serve_says_when_its_sqlite_file_cannot_be_opened(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the database's folder should be")
    env = clean_environment(**settings_env(DATABASE_URL="sqlite:///data/scout.db"))

    done = run_scout("serve", "--port", str(free_port()), env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert only_line(done.stderr) == (
        "scout: cannot open the database at data/scout.db (DATABASE_URL): File exists: data"
    )


@contextmanager
def started(*args: str, env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    """`scout <args>` in the background, its output (stdout and stderr) in one pipe."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scout", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def read_until(stream: IO[str] | None, pattern: str) -> list[str]:
    """Lines up to and including the first one matching `pattern`."""
    assert stream is not None
    lines: list[str] = []
    while line := stream.readline():
        lines.append(line)
        if re.search(pattern, line):
            return lines
    raise AssertionError(f"no line matching {pattern!r}:\n{''.join(lines)}")


def wait_healthy(url: str, process: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"scout serve exited:\n{log.read_text()}"
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # a real subprocess on the real clock: nothing to advance instead
    raise AssertionError(f"{url}/healthz never answered 200:\n{log.read_text()}")


@pytest.mark.slow
def test_serve_runs_on_the_readme_production_variables_exported(tmp_path: Path) -> None:
    """The path a user takes: the variables exported for real, `scout serve` as a process, the
    emulator and the mock standing in for QStash and ScrapeCreators."""
    base = clean_environment()
    with (
        started("emulator", "--memory", "--port", "0", env=base, cwd=tmp_path) as emulator,
        started("mock", "--mode", "synthetic", "--port", "0", env=base, cwd=tmp_path) as mock,
    ):
        # The emulator prints the four QSTASH_* lines to paste into the environment.
        printed = read_until(emulator.stdout, r"^QSTASH_NEXT_SIGNING_KEY=")
        qstash = dict(line.strip().split("=", 1) for line in printed if line.startswith("QSTASH_"))
        mock_url = re.findall(r"on (http://\S+)", "".join(read_until(mock.stdout, r" on http")))[0]
        port = free_port()
        service_url = f"http://127.0.0.1:{port}"
        env = service_environment(
            qstash, mock_url, service_url, tmp_path, ADMIN_USER_IDS="alice, bob"
        )
        log = tmp_path / "serve.log"
        with (
            log.open("w") as output,
            subprocess.Popen(
                [sys.executable, "-m", "scout", "serve", "--port", str(port)],
                env=env,
                cwd=tmp_path,
                stdout=output,
                stderr=subprocess.STDOUT,
            ) as serve,
        ):
            try:
                wait_healthy(service_url, serve, log)
                statuses = {
                    user: httpx.get(
                        f"{service_url}/api/admin/config",
                        headers={"Authorization": f"Bearer dev:{user}"},
                    ).status_code
                    for user in ("alice", "bob", "carol")
                }
            finally:
                serve.terminate()
                serve.wait(timeout=10)

    assert statuses == {"alice": 200, "bob": 200, "carol": 403}, log.read_text()


@pytest.mark.slow
def test_the_service_suite_ignores_exported_service_variables(tmp_path: Path) -> None:
    """Every QSTASH_*, SCRAPECREATORS_*, DATABASE_URL, AUTH_*, ADMIN_USER_IDS … exported with a
    malformed value: the service's tests still pass (each hands its settings in).

    The modules that build the service from settings run, on SQLite only: which engine the
    store uses has nothing to do with the environment, and the whole suite twice over would
    not fit one test's time limit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOUT_")}
    env.update(HOSTILE_ENVIRONMENT)
    modules = ["test_settings.py", "test_jobs_create.py", "test_webhook.py", "test_config.py"]
    paths = [f"tests/service/{module}" for module in modules]
    command = [sys.executable, "-m", "pytest", *paths, "-q", "-m", "not slow"]
    done = subprocess.run(
        [*command, "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "run")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=55,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
