"""`python -m emulator.qstash`: the same as the `qstash-emulator` command."""

from emulator.qstash.cli import main

raise SystemExit(main())
