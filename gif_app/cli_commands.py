"""Automation subcommands (run, process, export) registered on the `gif-app` parser."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(sub: Any) -> None:
    """Register the automation subcommands."""
    return None


def run_command(args: argparse.Namespace) -> int:
    """Run one automation subcommand and return its exit code."""
    raise SystemExit(f"unknown command {args.command}")
