"""One module per job kind: each runs one step of its job against ScrapeCreators."""
