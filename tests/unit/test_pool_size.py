"""Process-pool sizes: all cores by default, at least one, at most 61 on Windows."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from gif_app.pool_size import WINDOWS_PROCESS_POOL_MAX, cap_workers


def test_the_default_is_every_core() -> None:
    assert cap_workers(0, 8, "linux") == 8
    assert cap_workers(None, 8, "darwin") == 8
    assert cap_workers(0, None, "linux") == 1  # cpu_count unknown


def test_windows_allows_at_most_61() -> None:
    assert cap_workers(100, 8, "win32") == WINDOWS_PROCESS_POOL_MAX == 61
    assert cap_workers(0, 128, "win32") == 61  # a 128-core machine too
    assert cap_workers(61, 128, "win32") == 61
    assert cap_workers(12, 128, "win32") == 12
    assert cap_workers(100, 8, "linux") == 100  # other systems have no such cap


def test_a_nonsense_request_falls_back_to_the_cores() -> None:
    assert cap_workers(-3, 4, "win32") == 4


def test_python_itself_refuses_more_than_61_on_windows_and_accepts_the_capped_size() -> None:
    # The figure is Python's own: its executor names the same limit (checked at construction on Windows).
    import concurrent.futures.process as process_module

    assert getattr(process_module, "_MAX_WINDOWS_WORKERS", WINDOWS_PROCESS_POOL_MAX) == WINDOWS_PROCESS_POOL_MAX
    with ProcessPoolExecutor(max_workers=cap_workers(1000, 1, "win32")) as pool:
        assert pool._max_workers == 61  # noqa: SLF001 - the size the executor keeps; no process is started
