"""Installs without extras: the service runs, and every other program says which extra it needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.installs import absent_modules, run_without

SCOUT = "from scout.cli import main; sys.exit(main(sys.argv[1:]))"
# Every module of the service, imported as `scout serve` would (alembic's env.py runs only
# inside alembic, so it is left out).
EVERY_SERVICE_MODULE = """
import importlib, pkgutil, service
names = [m.name for m in pkgutil.walk_packages(service.__path__, "service.")]
for name in names:
    if not name.endswith(".migrations.env"):
        importlib.import_module(name)
print(len(names))
"""

pytestmark = pytest.mark.slow


def test_every_service_module_imports_in_a_base_install(tmp_path: Path) -> None:
    done = run_without(absent_modules(), EVERY_SERVICE_MODULE, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 40


@pytest.mark.parametrize("args", [["serve", "--help"], ["db", "--help"]])
def test_the_service_commands_run_in_a_base_install(tmp_path: Path, args: list[str]) -> None:
    done = run_without(absent_modules(), SCOUT, *args, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: scout {args[0]}")


@pytest.mark.parametrize(
    ("code", "args", "message"),
    [
        (SCOUT, ["emulator"], "scout emulator: needs the 'emulator' extra"),
        (SCOUT, ["mock"], "scout mock: needs the 'emulator' extra"),
        (SCOUT, ["record", "tiktok_keyword"], "scout record: needs the 'emulator' extra"),
        (SCOUT, ["demo"], "scout demo: needs the 'demo' extra"),
        (SCOUT, ["dev"], "scout dev: needs the 'emulator' and 'demo' extras"),
        (
            "from scout.cli import qstash_emulator; sys.exit(qstash_emulator())",
            ["--port", "0"],
            "qstash-emulator: needs the 'emulator' extra",
        ),
        (
            "import runpy; runpy.run_module('emulator.qstash', run_name='__main__')",
            ["--port", "0"],
            "python -m emulator.qstash: needs the 'emulator' extra",
        ),
        (
            "import runpy; runpy.run_module('emulator.scrapecreators', run_name='__main__')",
            ["--port", "0"],
            "python -m emulator.scrapecreators: needs the 'emulator' extra",
        ),
    ],
)
def test_a_missing_extra_is_one_line_naming_it(
    tmp_path: Path, code: str, args: list[str], message: str
) -> None:
    done = run_without(absent_modules(), code, *args, cwd=tmp_path)

    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(message + " (no module named ")
    extras = message.split("needs the ")[1].replace("'", "").split(" extra")[0]
    assert line.endswith(f": pip install 'creator-scout[{extras.replace(' and ', ',')}]'")


def test_the_emulator_extra_is_enough_for_the_emulator_and_the_mock(tmp_path: Path) -> None:
    without_demo = absent_modules(["emulator"])
    for command in ("emulator", "mock", "record"):
        done = run_without(without_demo, SCOUT, command, "--help", cwd=tmp_path)
        assert (done.returncode, done.stderr) == (0, ""), command
    dev = run_without(without_demo, SCOUT, "dev", cwd=tmp_path)
    assert dev.returncode == 2
    assert "(no module named 'rich')" in dev.stderr
