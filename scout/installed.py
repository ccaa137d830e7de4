"""Check that `service`, `emulator` and `scout` resolve to this distribution's own packages.

The three import names are generic; another distribution may ship one of them too. Two
distributions installing the same top-level name into one environment overwrite each other's
files without a word from pip, and a folder of that name earlier on `sys.path` hides ours.
Either way the code that runs is not this project's, so `scout` refuses to start and says why
(README.md, "Installation").
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
from pathlib import Path

DISTRIBUTION = "creator-scout"
PACKAGES = ("service", "emulator", "scout")


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _location(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


@functools.cache
def foreign_package() -> str | None:
    """Why one of the three packages is not creator-scout's, in one line; None when all are.

    All three are checked for every command: `scout dev` runs them all, and a shadowed
    package is worth knowing about before anything starts.
    """
    ours = Path(__file__).resolve().parent.parent  # where `scout` itself was found
    for name in PACKAGES:
        where = _location(name)
        if where is None:
            return f"no package named {name!r}: reinstall {DISTRIBUTION}"
        if where.parent != ours:
            return (
                f"the {name!r} package found first is {where}, not {DISTRIBUTION}'s "
                f"(beside {ours / 'scout'}); remove it from the path (PYTHONPATH, the "
                "working directory) or install creator-scout in a virtual environment of its own"
            )
    owners = importlib.metadata.packages_distributions()
    for name in PACKAGES:
        others = sorted({o for o in owners.get(name, []) if _canonical(o) != DISTRIBUTION})
        if others:
            return (
                f"the {name!r} package is also installed by {', '.join(others)}, whose files "
                f"replace {DISTRIBUTION}'s; install {DISTRIBUTION} in a virtual environment "
                "of its own"
            )
    return None
