"""A bundle double-clicked with no arguments and no key stored starts on the sandbox; any stored key means real
vendors; the source tree's window stays on the real vendors unless asked (`make run` passes --auto-sandbox)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gif_app.cli.entry import choose_window_sandbox, parse_args
from gif_app.cli.sandbox_choice import choose_sandbox, is_double_clicked
from gif_app.keystore import KeyStore, choose_backend


@pytest.mark.parametrize(("is_frozen", "argv", "expected"), [
    (True, [], True),
    (True, ["--home", "x"], False),  # started from a terminal with arguments: the user said what they want
    (True, ["--self-test"], False),
    (False, [], False),  # the source tree: `make run` asks for --auto-sandbox itself
])
def test_a_double_click_is_a_bundle_without_arguments(is_frozen: bool, argv: list[str], expected: bool) -> None:
    assert is_double_clicked(is_frozen, argv) is expected


@pytest.mark.parametrize(("is_sandbox", "is_auto", "has_keys", "expected"), [
    (True, False, True, True),  # --sandbox always wins
    (False, True, False, True),
    (False, True, True, False),  # any stored key: the real vendors
    (False, False, False, False),
])
def test_the_sandbox_decision(is_sandbox: bool, is_auto: bool, has_keys: bool, expected: bool) -> None:
    asked: list[bool] = []

    def keys() -> bool:
        asked.append(True)
        return has_keys

    assert choose_sandbox(is_sandbox=is_sandbox, is_auto=is_auto, has_keys=keys) is expected
    assert bool(asked) == (is_auto and not is_sandbox)  # the key store is opened only when it decides


def test_a_double_clicked_bundle_runs_on_the_sandbox_until_a_key_is_stored(home: Path) -> None:
    args = parse_args([], is_frozen_app=True)
    assert args.auto_sandbox and not args.sandbox
    assert choose_window_sandbox(args) is True
    KeyStore(choose_backend(home / "keys.json")).set("openai", "sk-test-0123456789abcdefghijkl")
    assert choose_window_sandbox(parse_args([], is_frozen_app=True)) is False


def test_from_source_without_flags_the_window_uses_the_real_vendors(home: Path) -> None:
    assert choose_window_sandbox(parse_args([], is_frozen_app=False)) is False
    assert choose_window_sandbox(parse_args(["--auto-sandbox"], is_frozen_app=False)) is True
