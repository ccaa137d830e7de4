"""Collection refuses a contract that does not say whether it was checked against real QStash."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import contracts

PROJECT = Path(contracts.__file__).parent.parent
pytestmark = pytest.mark.slow  # each case starts pytest in a subprocess (about 3 s)


def _collect(folder: Path, test_source: str) -> subprocess.CompletedProcess[str]:
    """Collect one contract file beside a copy of the real contract harness."""
    copy = folder / "contracts"
    shutil.copytree(PROJECT / "contracts", copy, ignore=shutil.ignore_patterns("test_*.py"))
    (copy / "test_sample.py").write_text(test_source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "contracts/test_sample.py", "--collect-only", "-q",
         "-c", str(PROJECT / "pyproject.toml"), "--rootdir", str(folder), "-p", "no:cacheprovider"],
        cwd=folder, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


UNDECLARED = "async def test_sample() -> None:\n    assert True\n"
DECLARED = "import pytest\n\n\n@pytest.mark.emulator_only\n" + UNDECLARED
BOTH = "import pytest\n\n\n@pytest.mark.verified_real\n@pytest.mark.emulator_only\n" + UNDECLARED


@pytest.mark.parametrize("source", [UNDECLARED, BOTH], ids=["neither", "both"])
def test_a_contract_declaring_neither_or_both_is_a_usage_error(tmp_path: Path, source: str) -> None:
    run = _collect(tmp_path, source)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "must declare exactly one of @pytest.mark.verified_real" in run.stderr


def test_a_declared_contract_is_collected(tmp_path: Path) -> None:
    run = _collect(tmp_path, DECLARED)
    assert run.returncode == pytest.ExitCode.OK, run.stdout + run.stderr
    assert "test_sample.py::test_sample\n" in run.stdout  # not parametrized: no target fixture
