"""The cassette scenarios as jobs: the request to make and the outcome the cassettes expect."""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts.targets import Target
from fixtures.outcomes import OUTCOMES
from scout.api_client import ACTIVE, JsonDict, ServiceClient

# A job is a handful of steps; a generous bound still ends a test whose job never finishes.
MAX_TICKS = 200


@dataclass(frozen=True)
class Scenario:
    cassette: str
    route: str  # /api/scraping/<route>
    body: JsonDict
    status: str
    config: JsonDict = field(default_factory=dict)
    ordered: bool = False
    error: str | None = None  # a phrase the job's error must contain
    mock_fault: JsonDict | None = None  # injected into the mock before the job starts

    @property
    def id(self) -> str:
        return self.cassette

    @property
    def handles(self) -> tuple[str, ...]:
        """In the order the results list them, where `ordered` says the table fixes one."""
        return OUTCOMES[self.cassette].handles

    @property
    def emails(self) -> frozenset[str]:
        return OUTCOMES[self.cassette].emails


def _keyword(*words: str) -> JsonDict:
    return {"keywords": list(words), "targetResults": 100}


# fixtures/cassettes/README.md, "Scenarios": one row each (outcomes in fixtures/outcomes.py).
SCENARIOS = [
    Scenario("tiktok_keyword", "tiktok", _keyword("home baking"), "completed"),
    Scenario(
        "tiktok_similar",
        "tiktok-similar",
        {"username": "sundaysourdough"},
        "completed",
        config={"api_limits.max_api_calls_tiktok_similar": 2},
        ordered=True,
    ),
    Scenario("instagram_similar", "instagram", {"username": "claybyjune"}, "completed"),
    Scenario("instagram_similar_empty", "instagram", {"username": "lonely.loom"}, "completed"),
    Scenario("youtube_keyword", "youtube", _keyword("sourdough", "starter"), "completed"),
    Scenario(
        "youtube_similar",
        "youtube-similar",
        {"username": "BreadAndButterBakes"},
        "completed",
        ordered=True,
    ),
]

# The failure rows of the same table.
FAILURES = [
    Scenario("failure_503_then_success", "tiktok", _keyword("latte art"), "completed"),
    Scenario("failure_429_then_success", "youtube", _keyword("trail running"), "completed"),
    Scenario(
        "failure_402_midjob", "tiktok", _keyword("pottery wheel"), "error", error="out of credits"
    ),
    Scenario(
        "failure_timeout",
        "instagram",
        {"username": "quiet_kiln_studio"},
        "completed",
        mock_fault={"match": "/v1/instagram/profile", "kind": "timeout", "delay": "5s"},
    ),
]


def handles(results: list[JsonDict]) -> list[str]:
    return [str(r.get("handle") or "") for r in results]


def emails(results: list[JsonDict]) -> set[str]:
    return {email for r in results for email in r.get("emails", [])}


def check_outcome(final: JsonDict, scenario: Scenario) -> None:
    """The job ended as the cassettes' table says: status, error, creators and their emails."""
    assert final["status"] == scenario.status, final
    if scenario.error is None:
        assert final["error"] is None
    else:
        assert scenario.error in (final["error"] or ""), final["error"]
    assert final["processedResults"] == len(scenario.handles) == final["totalResults"]
    found = handles(final["results"])
    if scenario.ordered:
        assert found == list(scenario.handles)
    else:
        assert sorted(found) == sorted(scenario.handles)
    assert emails(final["results"]) == scenario.emails


async def follow(target: Target, service: ServiceClient, route: str, job_id: str) -> list[JsonDict]:
    """Step QStash time delivery by delivery until the job ends; every status seen, in order."""
    seen = [await service.status(route, job_id)]
    for _ in range(MAX_TICKS):
        if seen[-1]["status"] not in ACTIVE:
            return seen
        if not await target.tick():
            break
        seen.append(await service.status(route, job_id))
    raise AssertionError(f"job {job_id} never ended; last status: {seen[-1]}")


async def start(
    target: Target, scenario: Scenario, *, exact: bool = True
) -> tuple[ServiceClient, str]:
    """Load the scenario's cassette, apply its config, create its job; (client, job id).

    With `exact=False` a mock that invents answers (synthetic mode) will do: the test checks
    only what holds for any data.
    """
    if exact or await target.replays():
        mock = await target.needs_replay(scenario.cassette)
        if scenario.mock_fault:
            await mock.fault(**scenario.mock_fault)
    service = target.needs_service()
    if scenario.config:
        await service.configure(scenario.config)
    job_id = await service.create_job(scenario.route, scenario.body)
    return service, job_id
