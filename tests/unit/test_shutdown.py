"""ShutdownOnce: one shutdown whichever exit paths fire, in whatever threads."""

from __future__ import annotations

import threading

from gif_app.shutdown import ShutdownOnce


def test_two_paths_run_the_action_once() -> None:
    runs: list[str] = []
    shutdown = ShutdownOnce(lambda: runs.append("closed"))
    assert not shutdown.is_done
    shutdown()  # e.g. the window's `closing` event (the Dock's Quit)
    shutdown()  # then atexit, or the code after webview.start()
    assert runs == ["closed"] and shutdown.is_done


def test_a_path_fired_from_inside_the_action_returns_at_once() -> None:
    runs: list[int] = []

    def action() -> None:
        runs.append(1)
        shutdown()  # closing the window inside shutdown fires `closed`, which calls back

    shutdown = ShutdownOnce(action)
    shutdown()
    assert runs == [1]


def test_a_second_thread_waits_until_the_first_has_finished() -> None:
    entered, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def action() -> None:
        entered.set()
        release.wait(30)
        finished.append("workers stopped")

    shutdown = ShutdownOnce(action)
    first = threading.Thread(target=shutdown)
    first.start()
    assert entered.wait(30)
    seen_by_second: list[list[str]] = []
    second = threading.Thread(target=lambda: (shutdown(), seen_by_second.append(list(finished))))
    second.start()
    second.join(0.2)
    assert second.is_alive(), "the second path must not return while the shutdown is still running"
    release.set()
    first.join(30)
    second.join(30)
    assert finished == ["workers stopped"]
    assert seen_by_second == [["workers stopped"]]  # it returned only after the work was done
