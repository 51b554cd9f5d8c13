"""The `autograph` command line: `dump` and the stages it shows, without running the file."""

from autograph.cli.commands import main

__all__ = ["main"]
