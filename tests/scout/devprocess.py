"""A `scout dev` subprocess, read line by line, for the scout command tests."""

from __future__ import annotations

import asyncio
import re
import signal
from dataclasses import dataclass, field

STARTUP_SECONDS = 60.0


@dataclass
class DevProcess:
    """A running `scout dev`; `lines` is everything it printed so far (stdout and stderr)."""

    process: asyncio.subprocess.Process
    ports: dict[str, int]
    lines: list[str] = field(default_factory=list)

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['--port']}"

    @property
    def output(self) -> str:
        return "".join(self.lines)

    async def wait_for(self, pattern: str, seconds: float = STARTUP_SECONDS) -> re.Match[str]:
        """Read output until a line matches `pattern`; fail with the output so far."""
        stream = self.process.stdout
        assert stream is not None
        for line in self.lines:
            if found := re.search(pattern, line):
                return found
        try:
            async with asyncio.timeout(seconds):
                while line := (await stream.readline()).decode():
                    self.lines.append(line)
                    if found := re.search(pattern, line):
                        return found
        except TimeoutError:
            pass
        raise AssertionError(f"no line matching {pattern!r}; output:\n{self.output}")

    async def interrupt(self, sig: signal.Signals = signal.SIGINT) -> int:
        """Ctrl-C (or `sig`), as a user would; returns the exit code once the rest is read."""
        self.process.send_signal(sig)
        stream = self.process.stdout
        assert stream is not None
        async with asyncio.timeout(30):
            self.lines.append((await stream.read()).decode())
            return await self.process.wait()
