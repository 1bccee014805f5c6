"""How many workers a pool may have on this OS: the one rule for worker counts taken from the user."""

from __future__ import annotations

# Windows waits on a process pool's handles with WaitForMultipleObjects (64 at most, 3 kept by the pool):
# ProcessPoolExecutor refuses max_workers above 61 there.
WINDOWS_PROCESS_POOL_MAX = 61


def cap_workers(requested: int | None, cpu_count: int | None, platform: str) -> int:
    """Return the process-pool size to use: the request (all cores when 0 or None), at least 1, and on
    Windows at most 61."""
    wanted = requested if requested and requested > 0 else (cpu_count or 1)
    if platform == "win32":
        wanted = min(wanted, WINDOWS_PROCESS_POOL_MAX)
    return max(1, wanted)
