"""The service and the emulators import nothing from each other (each keeps its own parsers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(package: str) -> dict[str, set[str]]:
    """Each module of `package` (a path) and the top-level packages it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"), [("service", "emulator"), ("emulator", "service")]
)
def test_the_package_does_not_import_the_other(package: str, forbidden: str) -> None:
    modules = imported_packages(package)
    assert modules, f"no modules found under {package}/"
    assert [name for name, imports in modules.items() if forbidden in imports] == []
