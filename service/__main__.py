"""`python -m service`: run the scraping service (same as `scout serve`)."""

from __future__ import annotations

import sys

from service.cli import serve

if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
