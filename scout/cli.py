"""Dispatch `scout <command>` to the module that owns the command."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

from scout.installed import foreign_package

Main = Callable[[Sequence[str]], int]


class Command(NamedTuple):
    target: str  # "package.module:function", the function takes argv and returns an exit code
    summary: str
    # The optional-dependency groups (pyproject.toml) the command needs beyond the base install.
    extras: tuple[str, ...] = ()


# Each program owns its own argument parsing; this table only names it. Imports are lazy so
# `scout emulator` never pays for loading the service, and the reverse, and so a production
# install (no extras) runs `scout serve` without the emulator's or the demo's dependencies.
COMMANDS: dict[str, Command] = {
    "emulator": Command("emulator.qstash.cli:main", "run the local QStash emulator", ("emulator",)),
    "mock": Command(
        "emulator.scrapecreators.cli:main", "run the ScrapeCreators mock", ("emulator",)
    ),
    "record": Command(
        "emulator.scrapecreators.record:main", "re-record a ScrapeCreators cassette", ("emulator",)
    ),
    "serve": Command("service.cli:serve", "run the scraping service"),
    "db": Command("service.cli:db", "apply or show the service's database migrations"),
    "dev": Command(
        "scout.dev:main", "run the whole pipeline offline, then a demo job", ("emulator", "demo")
    ),
    "demo": Command(
        "scout.demo:main", "run one job against a running stack and watch it", ("demo",)
    ),
}


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: scout <command> [options]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {cmd.summary}" for name, cmd in COMMANDS.items()]
    lines += ["", "Run `scout <command> --help` for a command's options."]
    return "\n".join(lines)


def _missing_extra(prog: str, command: Command, error: ModuleNotFoundError) -> str | None:
    """The one line for a command whose extra is not installed; None for any other failure."""
    missing = (error.name or "").partition(".")[0]
    if not command.extras or not missing or missing in {"service", "emulator", "scout"}:
        return None
    names = " and ".join(f"'{extra}'" for extra in command.extras)
    plural = "s" if len(command.extras) > 1 else ""
    return (
        f"{prog}: needs the {names} extra{plural} (no module named {missing!r}): "
        f"pip install 'creator-scout[{','.join(command.extras)}]'"
    )


def _run(prog: str, command: Command, argv: Sequence[str]) -> int:
    module_name, _, func_name = command.target.partition(":")
    problem = foreign_package()
    if problem is not None:
        print(f"{prog}: {problem}", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        message = _missing_extra(prog, command, error)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 2
    func: Main = getattr(module, func_name)
    return func(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    name, rest = args[0], args[1:]
    command = COMMANDS.get(name)
    if command is None:
        print(f"scout: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    return _run(f"scout {name}", command, rest)


def qstash_emulator() -> int:
    """The `qstash-emulator` script: `scout emulator` under its own name."""
    return _run("qstash-emulator", COMMANDS["emulator"], sys.argv[1:])


def module_main(name: str, prog: str) -> int:
    """`python -m <package>` for command `name`: the same checks as `scout <name>` (a missing
    extra is one line, not a traceback), under the name the user typed."""
    return _run(prog, COMMANDS[name], sys.argv[1:])
