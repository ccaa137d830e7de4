"""Prometheus metrics of one app (its own registry, so apps and tests never share counts)."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from service.jobs.enums import JobStatus

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Every metric the service exports; handlers increment the attributes directly."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.jobs = Gauge(
            "scout_jobs",
            "Scraping jobs by status (read from the store at scrape time).",
            ["status"],
            registry=self.registry,
        )
        self.jobs_created = Counter(
            "scout_jobs_created",
            "Jobs created through the API, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.step_duration = Histogram(
            "scout_step_duration_seconds",
            "Duration of one webhook step, by job kind and outcome.",
            ["kind", "outcome"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.scrapecreators_calls = Counter(
            "scout_scrapecreators_calls",
            "ScrapeCreators API calls by endpoint and HTTP status ('error' when none).",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.scrapecreators_call_limit = Gauge(
            "scout_scrapecreators_call_limit",
            "ScrapeCreators calls this process lets run at once now (lowered by 429s).",
            registry=self.registry,
        )
        self.scrapecreators_in_flight = Gauge(
            "scout_scrapecreators_calls_in_flight",
            "ScrapeCreators calls this process is waiting on.",
            registry=self.registry,
        )
        self.scrapecreators_throttled = Counter(
            "scout_scrapecreators_throttled",
            "ScrapeCreators calls not sent because a 429 paused the process (the step retries).",
            registry=self.registry,
        )
        self.signature_failures = Counter(
            "scout_signature_failures",
            "Webhook deliveries refused for a missing or invalid QStash signature.",
            ["reason"],
            registry=self.registry,
        )
        self.jobs_deleted = Counter(
            "scout_jobs_deleted",
            "Finished jobs (with their results) deleted by the sweeper after their retention.",
            ["status"],
            registry=self.registry,
        )
        self.publish_failures = Counter(
            "scout_publish_failures",
            "Messages QStash could not take.",
            registry=self.registry,
        )

    def set_job_counts(self, counts: Mapping[JobStatus, int]) -> None:
        for status in JobStatus:
            self.jobs.labels(status=status.value).set(counts.get(status, 0))

    def render(self) -> bytes:
        return generate_latest(self.registry)
