"""The ScrapeCreators mock: strict cassette replay, synthetic mode, faults, /_mock/* controls."""
