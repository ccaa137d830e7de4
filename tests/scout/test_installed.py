"""`scout` refuses to run code that is not this project's under its generic import names."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from scout.installed import foreign_package
from tests.service.test_cli import run_scout

pytestmark = pytest.mark.slow


def scout(*args: str, cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    return run_scout(*args, env={**os.environ, "PYTHONPATH": str(pythonpath)}, cwd=cwd)


def test_this_checkout_is_its_own() -> None:
    assert foreign_package() is None


def test_another_service_package_first_on_the_path_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "service"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("raise SystemExit('the other service ran')\n")

    done = scout("serve", cwd=tmp_path, pythonpath=other.parent)

    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"scout serve: the 'service' package found first is {other}, not ")
    assert "virtual environment of its own" in line


def test_a_distribution_sharing_a_package_name_is_refused(tmp_path: Path) -> None:
    # What pip leaves when another distribution also installs a top-level `emulator`.
    info = tmp_path / "elsewhere" / "gadget_emulator-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gadget-emulator\nVersion: 1.0\n")
    (info / "top_level.txt").write_text("emulator\n")

    done = scout("mock", "--help", cwd=tmp_path, pythonpath=info.parent)

    assert done.returncode == 2
    assert done.stderr == (
        "scout mock: the 'emulator' package is also installed by gadget-emulator, whose files "
        "replace creator-scout's; install creator-scout in a virtual environment of its own\n"
    )
