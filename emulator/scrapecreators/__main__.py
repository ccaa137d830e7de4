"""`python -m emulator.scrapecreators`: the same as `scout mock`."""

from scout.cli import module_main

raise SystemExit(module_main("mock", "python -m emulator.scrapecreators"))
