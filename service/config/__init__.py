"""Configuration: settings read once from the environment, and dynamic config (typed keys)."""
