"""Dispatch `scout <command>` to the module that owns the command."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple


class Command(NamedTuple):
    target: str  # "package.module:function", the function takes argv and returns an exit code
    summary: str


# Each program owns its own argument parsing; this table only names it. Imports are lazy so
# `scout emulator` never pays for loading the service, and the reverse.
COMMANDS: dict[str, Command] = {
    "emulator": Command("emulator.qstash.cli:main", "run the local QStash emulator"),
    "mock": Command("emulator.scrapecreators.cli:main", "run the ScrapeCreators mock"),
    "record": Command("fixtures.record:main", "re-record a ScrapeCreators cassette"),
    "serve": Command("service.cli:serve", "run the scraping service"),
    "db": Command("service.cli:db", "apply or show the service's database migrations"),
    "dev": Command("scout.dev:main", "run the whole pipeline offline, then a demo job"),
    "demo": Command("scout.demo:main", "run one job against a running stack and watch it"),
}


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: scout <command> [options]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {cmd.summary}" for name, cmd in COMMANDS.items()]
    lines += ["", "Run `scout <command> --help` for a command's options."]
    return "\n".join(lines)


def _load(target: str) -> Callable[[Sequence[str]], int]:
    module_name, _, func_name = target.partition(":")
    func: Callable[[Sequence[str]], int] = getattr(importlib.import_module(module_name), func_name)
    return func


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
    return _load(command.target)(rest)
