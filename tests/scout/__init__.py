"""Tests of the scout command line: dev, demo."""
