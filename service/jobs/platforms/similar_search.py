"""A similar job's search rounds: one planned query per step, found creators carried in state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from service.config.values import DurationKey, NumberKey
from service.jobs.platforms.base import StepContext, StepResult, similar_progress
from service.store import KeyedCreator

Found = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SimilarSearch:
    """Where a similar job keeps its plan in the step state, and which config limits it.

    The state holds the planned queries, how many have been searched, and what the searches
    found so far (emptied once the job is done: the results table holds it from then on).
    """

    queries: str  # state key of the planned queries
    found: str  # state key of the entries found so far
    max_searches: NumberKey  # at most this many searches (API calls)
    delay: DurationKey  # the pause between two searches

    def next_round(self, state: dict[str, Any]) -> tuple[str, Found]:
        """The query this step searches, and (a copy of) what earlier steps found."""
        queries: list[str] = state[self.queries]
        return queries[state["searched"]], list(state[self.found])

    async def result(
        self,
        ctx: StepContext,
        state: dict[str, Any],
        found: Found,
        *,
        finish: Callable[[Found], Awaitable[Sequence[KeyedCreator]]],
        details: dict[str, Any],
    ) -> StepResult:
        """This round searched: done once the plan or the API-call limit runs out; `finish`
        turns what was found into the job's creators on the last round."""
        searched = state["searched"] + 1
        searches = min(len(state[self.queries]), await ctx.config.get(self.max_searches))
        done = searched >= searches
        target = ctx.job.target_results
        return StepResult(
            done=done,
            progress=similar_progress(
                done=done, searched=searched, searches=searches, found=len(found), target=target
            ),
            creators=await finish(found) if done else [],
            state={**state, "searched": searched, self.found: [] if done else found},
            delay_seconds=await ctx.config.get(self.delay),
            details=details,
        )
