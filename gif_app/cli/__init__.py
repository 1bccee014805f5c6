"""Command line of `gif-app`: the window (default), headless runs, processing, exports, settings and the sandbox.

`main` and `build_parser` live in `gif_app.cli.entry`; the subcommands in `commands`, `export` and `process`.
Nothing outside this package (and `gif_app/__main__.py`) imports it.
"""

from __future__ import annotations

from gif_app.cli.entry import build_parser, main

__all__ = ["build_parser", "main"]
