"""The unified progress formula shared by every job kind."""

from __future__ import annotations


def unified_progress(runs: int, max_runs: int, results: int, target: int) -> float:
    """min(100, runs/maxRuns·30 + results/target·70), in percent; empty denominators add 0."""
    run_part = 30.0 * runs / max_runs if max_runs > 0 else 0.0
    result_part = 70.0 * results / target if target > 0 else 0.0
    return round(min(100.0, run_part + result_part), 2)
