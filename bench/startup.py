"""Time launch -> window ready (page loaded, first API answer) from source and from the bundle; budget <= 2 s.

Also reports the bundle's size and file count (budget <= 500 MiB on Linux).

"Window ready" is the moment `gif-app --self-test` prints "SELF-TEST OK" (gif_app.self_test.check_window: the page has
loaded and answered app_info + get_settings through the pywebview bridge). Each run gets a fresh --home, Qt runs
offscreen. Also reports the import time of gif_app.app (python -X importtime) and checks, in a run that records
every import, that rembg/onnxruntime/pymatting/numba were never imported up to window ready.
Run: .venv/bin/python bench/startup.py [--runs 3] [--bundle dist/gif-app/gif-app] [--no-source]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 2.0
SIZE_BUDGET_MIB = 500
READY = "SELF-TEST OK"
HEAVY = ("rembg", "onnxruntime", "pymatting", "numba")
DEFAULT_BUNDLE = ROOT / "dist" / "gif-app" / ("gif-app.exe" if os.name == "nt" else "gif-app")

# Child mode (`--watch-imports`): record heavy imports, print them as soon as the window is ready.
_WATCHER = """
import builtins, runpy, sys
heavy = {heavy!r}
class _Out:
    def __init__(self, inner): self._inner = inner
    def write(self, text):
        if {ready!r} in text:
            seen = sorted(n for n in sys.modules if n.split('.')[0] in heavy)
            self._inner.write('HEAVY MODULES AT READY: ' + (','.join(seen) or 'none') + '\\n')
        return self._inner.write(text)
    def __getattr__(self, name): return getattr(self._inner, name)
sys.stdout = _Out(sys.stdout)
sys.argv = ['gif_app'] + sys.argv[1:]
runpy.run_module('gif_app', run_name='__main__', alter_sys=True)
"""


@dataclass(frozen=True)
class Launch:
    """One launch: seconds to the ready line (None if it never came) and what the process printed."""

    ready_s: float | None
    output: str


def qt_env() -> dict[str, str]:
    """Return the environment of a headless window run."""
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1", QT_API="pyside6")
    env.pop("GIF_APP_HOME", None)
    return env


def launch(command: Sequence[str], timeout_s: float = 180.0) -> Launch:
    """Start the command, return the time from launch to the ready line, then let it exit."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(command), cwd=ROOT, env=qt_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    ready_s: float | None = None
    lines: list[str] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:  # the line arrives the moment it is printed (flush=True in the app)
            lines.append(line)
            if ready_s is None and READY in line:
                ready_s = time.perf_counter() - started
        proc.wait(timeout=timeout_s)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return Launch(ready_s, "".join(lines))


def time_launches(label: str, command_for_home: list[str], runs: int) -> list[float]:
    """Launch `runs` times on fresh homes and print the figures; return the ready times."""
    times: list[float] = []
    for index in range(runs):
        with tempfile.TemporaryDirectory(prefix="gif-startup-") as tmp:
            result = launch([*command_for_home, "--home", str(Path(tmp) / "home"), "--self-test"])
        if result.ready_s is None:
            print(f"{label}: run {index + 1} never became ready:\n{result.output[-2000:]}")
            raise SystemExit(1)
        times.append(result.ready_s)
    verdict = "within" if statistics.median(times) <= BUDGET_S else "OVER"
    print(f"{label}: window ready first {times[0]:.2f} s, median {statistics.median(times):.2f} s, "
          f"best {min(times):.2f} s over {runs} runs ({verdict} the {BUDGET_S:.0f} s budget)")
    return times


def import_time_ms() -> float:
    """Return the cumulative import time of gif_app.app in ms, from `python -X importtime`."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import gif_app.app"], cwd=ROOT,
                            env=qt_env(), capture_output=True, text=True, check=True)
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|\s*gif_app\.app$", line)
        if match:
            return int(match.group(1)) / 1000.0
    raise RuntimeError("gif_app.app not found in the -X importtime output")


def heavy_modules_at_ready() -> list[str]:
    """Run the source app once with an import watcher; return the heavy modules loaded at window ready."""
    script = _WATCHER.format(heavy=HEAVY, ready=READY)
    with tempfile.TemporaryDirectory(prefix="gif-startup-") as tmp:
        result = launch([sys.executable, "-c", script, "--home", str(Path(tmp) / "home"), "--self-test"])
    match = re.search(r"HEAVY MODULES AT READY: (.*)", result.output)
    if result.ready_s is None or match is None:
        print(f"watched run never became ready:\n{result.output[-2000:]}")
        raise SystemExit(1)
    return [] if match.group(1).strip() == "none" else match.group(1).strip().split(",")


def folder_size(folder: Path) -> tuple[int, int]:
    """Return (bytes, files) of a folder tree."""
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def main() -> int:
    """Print the start-up figures; exit 1 if a heavy module was imported at start."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE, help="the bundle's executable")
    parser.add_argument("--no-source", action="store_true", help="time only the bundle")
    args = parser.parse_args()
    if not args.no_source:
        print(f"import gif_app.app: {import_time_ms():.0f} ms (python -X importtime, cumulative)")
        time_launches("source (python -m gif_app)", [sys.executable, "-m", "gif_app"], args.runs)
        heavy = heavy_modules_at_ready()
        print(f"heavy modules imported at window ready: {', '.join(heavy) or 'none'} (rembg must not be)")
        if heavy:
            return 1
    if args.bundle.is_file():
        size, count = folder_size(args.bundle.parent)
        verdict = "within" if size <= SIZE_BUDGET_MIB * 2**20 else "OVER"
        print(f"bundle {args.bundle.parent}: {size / 2**20:.0f} MiB ({size / 1e6:.0f} MB) in {count} files "
              f"({verdict} the {SIZE_BUDGET_MIB} MiB budget)")
        time_launches("bundle", [str(args.bundle)], args.runs)
    else:
        print(f"bundle: {args.bundle} not built (make bundle), skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
