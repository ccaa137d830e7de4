"""The unified progress formula."""

from __future__ import annotations

import pytest

from service.jobs.progress import unified_progress


@pytest.mark.parametrize(
    ("runs", "max_runs", "results", "target", "expected"),
    [
        (0, 5, 0, 100, 0.0),
        (1, 5, 0, 100, 6.0),
        (1, 5, 50, 100, 41.0),
        (5, 5, 100, 100, 100.0),
        (5, 5, 400, 100, 100.0),  # capped
        (3, 0, 10, 0, 0.0),  # empty denominators add nothing
        (1, 3, 1, 3, 33.33),
    ],
)
def test_progress_weighs_runs_30_and_results_70(
    runs: int, max_runs: int, results: int, target: int, expected: float
) -> None:
    assert unified_progress(runs, max_runs, results, target) == expected
