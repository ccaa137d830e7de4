"""The wheel: which import names it installs, which requirements a base install carries, and
that a base install of it serves while an `emulator` install of it replays the cassettes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from emulator.scrapecreators.record import scenario_requests
from service.testing import free_port
from tests.installs import absent_modules, python_without
from tests.service.test_cli import clean_environment, read_until, started, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "fixtures" / "cassettes"
# What a build reads; everything else in a working copy (virtual environments, caches, old
# build folders whose stale files setuptools would pack) stays out of the copy it builds from.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", ".tox", ".scout", "build", "dist", "*.egg-info", "__pycache__",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", "node_modules", "logs",
)  # fmt: skip

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source") / "creator-scout"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_NOT_SOURCE)
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(out)]
    built = subprocess.run(
        [*command, "--no-build-isolation", "--no-index", "-q"],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [path] = out.glob("creator_scout-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel unpacked: what `pip install` puts into site-packages (a pure-Python wheel)."""
    site = tmp_path_factory.mktemp("site-packages")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def _metadata(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(name).decode())
    return [Requirement(line) for line in message.get_all("Requires-Dist") or []]


def _requirements(wheel: Path, extra: str = "") -> set[str]:
    return {
        canonicalize_name(r.name)
        for r in _metadata(wheel)
        if (r.marker is None and not extra) or (r.marker and r.marker.evaluate({"extra": extra}))
    }


def test_the_wheel_installs_service_emulator_and_scout_only(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [top_level] = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        declared = set(archive.read(top_level).decode().split())

    tops = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert tops == declared == {"emulator", "scout", "service"}


def test_the_wheel_carries_the_cassettes_inside_the_mock(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            Path(name).name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("emulator/scrapecreators/cassettes/")
        }

    expected = {p.name: p.read_bytes() for p in CASSETTES.iterdir() if p.suffix in {".yaml", ".md"}}
    assert len(expected) > 1
    assert shipped == expected


def test_a_base_install_carries_nothing_the_extras_bring(wheel: Path) -> None:
    base = _requirements(wheel)
    emulator, demo = _requirements(wheel, "emulator"), _requirements(wheel, "demo")

    assert {"vcrpy", "pyyaml", "orjson"} <= emulator
    assert {"rich", "httpx-sse"} <= demo
    assert not base & (emulator | demo)
    # A production install: the service's own stack.
    assert {"aiohttp", "qstash", "sqlalchemy", "asyncpg", "aiosqlite", "alembic"} <= base


@pytest.fixture
def clock_free_emulator(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A QStash emulator process on the real clock; its QSTASH_* lines as printed."""
    env = clean_environment()
    with started("emulator", "--memory", "--port", "0", env=env, cwd=tmp_path) as emulator:
        printed = read_until(emulator.stdout, r"^QSTASH_NEXT_SIGNING_KEY=")
        yield dict(line.strip().split("=", 1) for line in printed if "=" in line)


def test_a_base_install_serves(
    installed: Path, clock_free_emulator: dict[str, str], tmp_path: Path
) -> None:
    """The wheel and only the base requirements: `scout serve` starts, migrates and is healthy."""
    port = free_port()
    service_url = f"http://127.0.0.1:{port}"
    env = clean_environment(
        **{k: v for k, v in clock_free_emulator.items() if k.startswith("QSTASH_")},
        SCRAPECREATORS_API_KEY="dev-key",
        PUBLIC_BASE_URL=service_url,
        DATABASE_URL="sqlite:///state/scout.db",
        AUTH_MODE="dev",
        SWEEP_SCHEDULE="false",
    )
    command = python_without(
        absent_modules(),
        "from scout.cli import main; sys.exit(main(sys.argv[1:]))",
        "serve",
        "--port",
        str(port),
        path=[installed, *_site_packages()],
    )
    log = tmp_path / "serve.log"
    with (
        log.open("w") as output,
        subprocess.Popen(command, cwd=tmp_path, env=env, stdout=output, stderr=output) as serve,
    ):
        try:
            wait_healthy(service_url, serve, log)
            health = httpx.get(f"{service_url}/healthz").json()
        finally:
            serve.terminate()
            serve.wait(timeout=10)

    assert health == {"status": "ok", "database": "ok", "qstash": "ok"}
    assert (tmp_path / "state" / "scout.db").is_file()


def test_an_emulator_install_replays_the_shipped_cassettes(installed: Path, tmp_path: Path) -> None:
    command = python_without(
        absent_modules(["emulator"]),
        "from scout.cli import main; sys.exit(main(sys.argv[1:]))",
        "mock",
        "--port",
        "0",
        path=[installed, *_site_packages()],
    )
    env = clean_environment()
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as mock:
        try:
            banner = "".join(read_until(mock.stdout, r" on http"))
            url = re.findall(r"on (http://\S+)", banner)[0]
            status = httpx.get(f"{url}/_mock/status").json()
            first = scenario_requests("tiktok_keyword")[0]
            replayed = httpx.get(url + first, headers={"x-api-key": "dev-key"})
        finally:
            mock.terminate()
            mock.wait(timeout=10)

    assert sorted(status["cassettes"]) == sorted(p.stem for p in CASSETTES.glob("*.yaml"))
    assert replayed.status_code == 200, replayed.text


def _site_packages() -> list[Path]:
    """Where this environment's distributions live (only their files: no .pth is run)."""
    return sorted({Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")})
