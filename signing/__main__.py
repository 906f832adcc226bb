"""``python -m signing verify FILE... [--trust CERT] [--json]``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
