"""What the whole-job benches (bench_jobs.py, bench_scale.py) share: the stack's command lines,
the service's environment, its admin, zero step delays, and inputs the synthetic mock answers."""

from __future__ import annotations

import sys

from emulator.qstash.config import DEFAULT_CURRENT_KEY, DEFAULT_NEXT_KEY, DEFAULT_TOKEN
from emulator.scrapecreators.state import DEFAULT_API_KEY
from emulator.scrapecreators.synthetic import tiktok
from service.config.defaults import QSTASH_DELAYS

ADMIN = "bench-admin"
# No waiting between a job's steps: the benches measure work, not the production delays.
NO_DELAYS = {
    key.name: "0s"
    for key in (QSTASH_DELAYS.tiktok_continuation_delay, QSTASH_DELAYS.youtube_continuation_delay)
}


def emulator_argv(port: int) -> list[str]:
    """The QStash emulator in memory (nothing of one run stays for the next)."""
    return [sys.executable, "-m", "emulator.qstash", "--memory", "--port", str(port)]


def mock_argv(port: int) -> list[str]:
    """The ScrapeCreators mock making up an answer for any input."""
    return [
        sys.executable,
        "-m",
        "emulator.scrapecreators",
        "--mode",
        "synthetic",
        "--port",
        str(port),
    ]


def service_env(
    *, qstash_url: str, mock_url: str, public_url: str, database_url: str
) -> dict[str, str]:
    """`scout serve`'s environment against the emulator and the mock (their default keys),
    development auth with ADMIN as its admin, logs as JSON."""
    return {
        "QSTASH_URL": qstash_url,
        "QSTASH_TOKEN": DEFAULT_TOKEN,
        "QSTASH_CURRENT_SIGNING_KEY": DEFAULT_CURRENT_KEY,
        "QSTASH_NEXT_SIGNING_KEY": DEFAULT_NEXT_KEY,
        "SCRAPECREATORS_API_URL": mock_url,
        "SCRAPECREATORS_API_KEY": DEFAULT_API_KEY,
        "PUBLIC_BASE_URL": public_url,
        "DATABASE_URL": database_url,
        "AUTH_MODE": "dev",
        "ADMIN_USER_IDS": ADMIN,
        "LOG_FORMAT": "json",
    }


def live_tiktok_handle(stem: str) -> str:
    """A handle the synthetic mock answers with a live, public profile. Some are private or
    deactivated, deterministically, to exercise those paths; a similar-creators job from one
    fails at once, which is not the work the benches measure."""
    for n in range(100):
        handle = f"{stem}{n}"
        creator = tiktok.Creator.of(handle)
        if not creator.deactivated and not creator.private:
            return handle
    raise RuntimeError(f"no live synthetic TikTok handle from {stem!r}")
