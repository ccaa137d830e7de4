"""The README's Quick start: what CI runs, nothing installed outside the venv, one default."""

from __future__ import annotations

import re
from pathlib import Path

from scout.cli import COMMANDS
from service.config.settings import DEFAULT_DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
DEV = " && .venv/bin/scout dev"


def quick_start() -> list[str]:
    section = README.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_ci_runs_the_quick_start_commands_verbatim() -> None:
    setup_and_dev, tests = quick_start()
    assert setup_and_dev.endswith(DEV)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert setup_and_dev.removesuffix(DEV) in ci
    assert tests in ci


def test_the_quick_start_installs_nothing_outside_its_virtual_environment() -> None:
    # Debian's and Ubuntu's python3 refuse `pip install` (an externally managed environment).
    for command in quick_start():
        for step in command.split("&&"):
            words = step.split()
            assert words[0] in {"python3", ".venv/bin/pip", ".venv/bin/scout", ".venv/bin/tox"}
            if words[0] == "python3":
                assert words[1:] == ["-m", "venv", ".venv"], step


def test_the_database_default_is_spelled_one_way() -> None:
    spellings = set(re.findall(r"sqlite[+\w]*:///scout\.db", README))
    assert spellings == {DEFAULT_DATABASE_URL}


def test_the_installation_table_names_the_extras_each_command_needs() -> None:
    section = README.split("\n## Installation\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `pip install")]
    documented: dict[str, set[str]] = {}
    for row in rows:
        install, _, users = row.strip("|").split("|")
        extras = re.search(r"\.\[([\w,]+)\]", install)
        for name in re.findall(r"`scout (\w+)`", users):
            documented[name] = set(extras.group(1).split(",")) if extras else set()

    assert documented == {name: set(command.extras) for name, command in COMMANDS.items()}
