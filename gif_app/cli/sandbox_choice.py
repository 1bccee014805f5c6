"""Whether the window starts on the sandbox: asked for, or chosen when no key is stored (--auto-sandbox, and
a bundle double-clicked with no arguments, so a new user can try everything offline)."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def is_double_clicked(is_frozen: bool, argv: Sequence[str]) -> bool:
    """Return True for a bundle started with no arguments: from Finder, Explorer, the Start menu or the Dock."""
    return is_frozen and not argv


def choose_sandbox(*, is_sandbox: bool, is_auto: bool, has_keys: Callable[[], bool]) -> bool:
    """Return True to run on the sandbox: asked for, or automatic and no key is stored (keys mean real vendors)."""
    if is_sandbox:
        return True
    return is_auto and not has_keys()
