"""What the command line writes: logging on stderr, the progress line, problems; stdout stays for results."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any, TextIO

from gif_app.errors import PreflightError, ValidationError

# Per-request lines of the HTTP clients (openai brings its own copy, httpx2/httpcore2): noise unless -v.
HTTP_LOGGERS = ("httpx", "httpcore", "httpx2", "httpcore2")
_LEVELS = {0: logging.WARNING, 1: logging.INFO}


def add_sandbox_flag(parser: argparse.ArgumentParser) -> None:
    """Accept `--sandbox` after a subcommand too; it means the same as before it (see paths.resolve_home)."""
    parser.add_argument("--sandbox", action="store_true", dest="sub_sandbox",
                        help="use the sandbox home: the sandbox subfolder of the default home, or the --home "
                             "folder itself when one is given")


def configure_logging(verbosity: int, stream: TextIO | None = None) -> logging.Handler:
    """Log to stderr: warnings and errors by default, info with -v (HTTP requests too), debug with -vv."""
    level = _LEVELS.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setLevel(level)  # the app log file (installed later) keeps its own, lower level
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s" if verbosity == 0
                                           else "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if verbosity else logging.WARNING)
    return handler


def print_problems(exc: ValidationError, stream: TextIO | None = None) -> None:
    """Print a refusal and every problem it lists (setting key and what to do) on stderr."""
    out = stream or sys.stderr
    print(f"error: {exc.message}", file=out)
    if isinstance(exc, PreflightError):
        for problem in exc.problems:
            print(f"  {problem.setting}: {problem.message}", file=out)
        return
    for key, message in exc.fields.items():
        print(f"  {key}: {message}", file=out)


class ProgressLine:
    """A progress bar redrawn in place on stderr, only when stderr is a terminal (no `\\r` in logs or pipes)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self.is_shown = bool(getattr(self._stream, "isatty", lambda: False)())
        self._has_drawn = False

    def draw(self, text: str) -> None:
        """Replace the line with `text` (nothing when stderr is not a terminal)."""
        if self.is_shown:
            print(f"\r{text}", end="", file=self._stream, flush=True)
            self._has_drawn = True

    def end(self) -> None:
        """Move past the bar so the next line starts clean."""
        if self._has_drawn:
            print(file=self._stream, flush=True)
            self._has_drawn = False

    def say(self, text: str) -> None:
        """Print one line on stderr without breaking the bar."""
        self.end()
        print(text, file=self._stream, flush=True)


def bar(fraction: float, width: int = 30) -> str:
    """Return `[####....]` for a fraction between 0 and 1."""
    filled = max(0, min(width, int(fraction * width)))
    return f"[{'#' * filled}{'.' * (width - filled)}]"


def write_json(document: Any) -> None:
    """Write the one JSON document of a `--json` command on stdout."""
    print(json.dumps(document), flush=True)
