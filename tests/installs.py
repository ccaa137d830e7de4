"""Stand-ins for smaller installs: the modules an install with fewer extras lacks, and Python
subprocesses in which those modules cannot be imported (as if they were not installed)."""

from __future__ import annotations

import importlib.metadata as metadata
import json
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

DISTRIBUTION = "creator-scout"

# Runs first in the subprocess: every import of a listed top-level name fails exactly as it
# would were its distribution not installed.
_ABSENT = """
import importlib.abc, json, sys

class _Absent(importlib.abc.MetaPathFinder):
    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None

_names = json.loads(sys.argv.pop(1))
for _loaded in [m for m in sys.modules if m.partition(".")[0] in _names]:
    del sys.modules[_loaded]
sys.meta_path.insert(0, _Absent(_names))
"""


def installed_with(extras: Iterable[str]) -> set[str]:
    """The distributions (canonical names) that `pip install creator-scout[extras]` brings in."""
    found: set[str] = set()
    seen: set[tuple[str, str]] = set()
    todo = [(DISTRIBUTION, extra) for extra in ("", *extras)]
    while todo:
        name, extra = todo.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        found.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:  # required only on another platform or Python
            continue
        for line in requires:
            requirement = Requirement(line)
            # `extra` is "" for the distribution itself: only unconditional requirements apply.
            if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                child = canonicalize_name(requirement.name)
                todo += [(child, wanted) for wanted in ("", *requirement.extras)]
    return found


def absent_modules(extras: Iterable[str] = ()) -> list[str]:
    """Top-level modules installed here that `creator-scout[extras]` alone would not have."""
    keep = installed_with(extras)
    return sorted(
        module
        for module, owners in metadata.packages_distributions().items()
        if not any(canonicalize_name(owner) in keep for owner in owners)
    )


def python_without(
    absent: Sequence[str],
    code: str,
    *args: str,
    path: Sequence[Path] | None = None,
) -> list[str]:
    """The command line of a Python that cannot import `absent` and runs `code` with `args`.

    With `path`, it starts without site (`-S`: no .pth file, so no editable install either) and
    imports only from `path`, as an environment holding exactly what `path` holds would.
    """
    prefix = f"import sys; sys.path[:0] = {[str(p) for p in path]!r}\n" if path else ""
    flags = ["-S"] if path else []
    return [sys.executable, *flags, "-c", prefix + _ABSENT + code, json.dumps(list(absent)), *args]


def run_without(
    absent: Sequence[str],
    code: str,
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    path: Sequence[Path] | None = None,
    timeout: float = 30,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        python_without(absent, code, *args, path=path),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
