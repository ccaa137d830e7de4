"""End-to-end contract suites, run against a target: in-process, a running stack, real QStash."""
