"""Test files have unique names across tests/: pytest imports them by basename, so a second one fails collection."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_files_share_a_name() -> None:
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert len(names) > 50  # the suite is still found
    assert {name: count for name, count in names.items() if count > 1} == {}
