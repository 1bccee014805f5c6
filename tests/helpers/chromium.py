"""The Chromium the browser tests drive: found once, skipped locally when absent, a failure when CI is set."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from tools.devkit.chromium import ENV_VAR, locate_chromium


def chromium_executable(environ: Mapping[str, str] | None = None) -> Path:
    """Return the Chromium/Chrome to launch; pytest.skip without one, pytest.fail when `CI` is set."""
    env = os.environ if environ is None else environ
    found, searched = locate_chromium(env)
    if found is not None:
        return found
    message = (f"No Chromium for the browser tests: {searched}. Install Chromium or Google Chrome, "
               f"or set {ENV_VAR} to its executable.")
    if env.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
