"""Dropped files: the window's report and the page's question meet, whichever comes first."""

from __future__ import annotations

import threading

from gif_app.drops import DroppedFiles


def test_a_question_waits_for_the_windows_report() -> None:
    drops = DroppedFiles()
    drops.enable()
    asked = threading.Event()
    found: list[str | None] = []

    def ask() -> None:
        asked.set()
        found.append(drops.take("keywords.txt", 10.0))

    asker = threading.Thread(target=ask)
    asker.start()
    asked.wait(5)
    drops.record("keywords.txt", "/data/keywords.txt")
    asker.join(10)
    assert found == ["/data/keywords.txt"]
    assert drops.take("keywords.txt", 0.05) is None, "a path is handed out once"


def test_a_report_before_the_question_is_kept_by_name() -> None:
    drops = DroppedFiles()
    drops.enable()
    drops.record("a.csv", "/x/a.csv")
    drops.record("b.txt", "/y/b.txt")
    assert drops.take("b.txt", 0) == "/y/b.txt"
    assert drops.take("a.csv", 0) == "/x/a.csv"
    assert drops.take("other.txt", 0.05) is None


def test_without_a_window_nothing_is_waited_for() -> None:
    drops = DroppedFiles()
    drops.record("keywords.txt", "/data/keywords.txt")
    assert drops.take("keywords.txt", 60.0) is None  # returns at once: no window reports drops
