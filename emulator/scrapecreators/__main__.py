"""`python -m emulator.scrapecreators`: the same as `scout mock`."""

import sys

from emulator.scrapecreators.cli import main

sys.exit(main(sys.argv[1:]))
