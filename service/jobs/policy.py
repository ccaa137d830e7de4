"""A job's policy beside its states (`enums.JobStatus`): time-outs, stalls, retries and leases."""

from __future__ import annotations

from datetime import timedelta

from service.config.defaults import QSTASH_DELAYS, RETRIES, TIMEOUTS

TIMEOUT_MESSAGE = "Job exceeded maximum allowed time"
MAX_FAILURES = RETRIES.max_consecutive_failures
RETRY_BASE = QSTASH_DELAYS.retry_base_delay
RETRY_MAX = QSTASH_DELAYS.retry_max_delay
# A job idle this long is revived by the sweeper (the last line of defence; leases are separate).
STALLED_AFTER = TIMEOUTS.stalled_job_after
# A step's lease lasts this long unless its run renews it (every HEARTBEAT_EVERY seconds while
# the step runs): a killed run's lease ends within seconds, and a redelivery takes the step over.
# Three renewals per lease leave room for a slow database before a live run loses its lease.
STEP_LEASE = timedelta(seconds=15)
HEARTBEAT_EVERY = 5.0
# How soon QStash should bring back a step whose next step could not be queued after it
# committed: that delivery finds the step done and publishes the outbox entry again.
REQUEUE_AFTER = 10
