"""Run the `scout` command line as `python -m scout`."""

from scout.cli import main

raise SystemExit(main())
