"""Count the instructions a benchmark's server process runs, with valgrind's callgrind.

CPU seconds on a small shared machine also measure the machine: with every core busy, a
process that loses its caches to the others, or is preempted mid-request, takes more seconds
for the same work. Instructions retired are the work itself and repeat run after run, whatever
else runs (this needs no hardware counters, which virtual machines often lack).

A process starts under `callgrind_argv` with counting off, so start-up and warm-up run
uninstrumented (about 5x slower instead of 50x); `start_counting` turns counting on from
zero and `counted` dumps the count since then and returns it (again for each later window).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from bench_procs import READY_TIMEOUT

TOOLS = ("valgrind", "callgrind_control")
# Seconds for a process under valgrind to start answering (imports run about 5x slower).
COUNTED_READY_TIMEOUT = 180.0
DUMP_TIMEOUT = 30.0


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def under_callgrind(argv: list[str], out_file: Path | None) -> list[str]:
    """`argv` run under callgrind, counting nothing until told to (`argv` itself when
    `out_file` is None)."""
    if out_file is None:
        return argv
    return [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",  # start-up and warm-up uncounted, and faster
        "--cache-sim=no",  # instructions only: the cheapest thing callgrind counts
        "--branch-sim=no",
        f"--callgrind-out-file={out_file}",
        *argv,
    ]


def ready_within(out_file: Path | None) -> float:
    """Seconds to wait for a process started by `under_callgrind` to answer."""
    return COUNTED_READY_TIMEOUT if out_file is not None else READY_TIMEOUT


async def _control(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        "callgrind_control",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"callgrind_control {' '.join(args)}: {output.decode(errors='replace')}")


async def start_counting(pid: int) -> None:
    await _control("--instr=on", str(pid))
    await _control("--zero", str(pid))


def _totals(dump: Path) -> int | None:
    """The dump's `totals:` line, its last: None while callgrind is still writing."""
    if not dump.exists():
        return None
    for line in reversed(dump.read_text(errors="replace").splitlines()):
        if line.startswith("totals:"):
            return int(line.split()[1])
    return None


def _dumps(out_file: Path) -> int:
    """How many dumps callgrind has written: `<out_file>.1`, `.2`, ..."""
    numbers = [
        int(suffix)
        for path in out_file.parent.glob(out_file.name + ".*")
        if (suffix := path.name.rsplit(".", 1)[1]).isdigit()
    ]
    return max(numbers, default=0)


async def counted(pid: int, out_file: Path) -> int:
    """Instructions run since `start_counting` (or the last count), from callgrind's next
    numbered dump of `out_file`."""
    dump = out_file.with_name(f"{out_file.name}.{_dumps(out_file) + 1}")
    await _control("--dump", str(pid))
    deadline = asyncio.get_running_loop().time() + DUMP_TIMEOUT
    while True:
        if (total := _totals(dump)) is not None:
            return total
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"callgrind wrote no complete dump at {dump}")
        await asyncio.sleep(0.1)
