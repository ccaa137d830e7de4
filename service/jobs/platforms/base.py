"""What a job kind's step gets (the context) and gives back (the result), and how it fails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.config.dynamic import DynamicConfig
from service.jobs.creator import Creator
from service.jobs.platforms.profiles import Profiles
from service.jobs.progress import unified_progress
from service.scrapecreators.client import ScrapeCreatorsClient
from service.store import UNSET, Job, KeyedCreator, Store, Unset


class JobFailed(Exception):
    """The job cannot succeed (e.g. the target profile does not exist); `message` is for users."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class StepContext:
    job: Job
    api: ScrapeCreatorsClient
    profiles: Profiles
    config: DynamicConfig
    store: Store

    @property
    def state(self) -> dict[str, Any]:
        """Step-to-step working state kept in the job's `search_params` (a copy to build on)."""
        return dict(self.job.search_params or {})

    async def known_keys(self, keys: Sequence[str]) -> set[str]:
        return await self.store.known_creator_keys(self.job.id, keys)


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step's outcome; `done` completes the job, else the next step follows `delay_seconds`."""

    done: bool
    progress: float
    creators: Sequence[KeyedCreator] = ()
    add_runs: int = 1
    delay_seconds: float = 0.0
    cursor: str | Unset | None = UNSET
    state: Mapping[str, Any] | Unset | None = UNSET
    details: dict[str, Any] = field(default_factory=dict)


def keyed(key: str, creator: Creator) -> KeyedCreator:
    return KeyedCreator(key=key, data=creator.to_json())


def step_progress(*, done: bool, runs: int, max_runs: int, results: int, target: int) -> float:
    return 100.0 if done else unified_progress(runs, max_runs, results, target)


def similar_progress(*, done: bool, searched: int, searches: int, found: int, target: int) -> float:
    """Similar jobs count the target look-up as one run, then one run per search."""
    return step_progress(
        done=done,
        runs=searched + 1,
        max_runs=searches + 1,
        results=min(found, target),
        target=target,
    )


def target_found(state: Mapping[str, Any], details: dict[str, Any]) -> StepResult:
    """A similar job's first step: the target looked up, its searches planned in `state`."""
    progress = similar_progress(done=False, searched=0, searches=1, found=0, target=1)
    return StepResult(done=False, progress=progress, state=state, details=details)
