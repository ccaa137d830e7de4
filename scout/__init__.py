"""The `scout` command line: one entry for every program the project ships."""
