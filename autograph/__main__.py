"""`python -m autograph dump FILE.py` — the same as the `autograph` command."""

import sys

from autograph.cli.commands import main

sys.exit(main())
