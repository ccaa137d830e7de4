"""`python -m emulator.qstash`: the same as the `qstash-emulator` command."""

from scout.cli import module_main

raise SystemExit(module_main("emulator", "python -m emulator.qstash"))
