"""Crash-test driver: run the queued retries of a home folder and SIGKILL this process in the middle of a move.

Usage: python tests/integration/retry_crash_driver.py HOME before|after
"before": killed when the retry's file is about to be renamed into the output folder (the move's intent is on
record, the name is claimed, the file is still in temp). "after": killed once the rename is done, before the
row says approved. An audit hook watches the app's own calls, so the app runs unchanged. Prints "FINISHED" if
nothing killed it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from gif_app.app import AppOptions, build_app


class KillSwitch:
    """An audit hook that SIGKILLs the process at the chosen point of a move into `folder`."""

    def __init__(self, folder: Path, moment: str) -> None:
        self.folder = folder
        self.moment = moment
        self.has_moved = False

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "os.rename" and self._into_folder(args[1]):
            if self.moment == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            self.has_moved = True
        elif event == "open" and self.has_moved and self._is_folder(args[0]):
            # atomic_move flushes the folder right after the rename: the file is in place, the row not yet.
            os.kill(os.getpid(), signal.SIGKILL)

    def _into_folder(self, target: Any) -> bool:
        return isinstance(target, (str, Path)) and Path(target).parent == self.folder \
            and not Path(target).name.startswith(".")

    def _is_folder(self, path: Any) -> bool:
        return isinstance(path, (str, Path)) and Path(path) == self.folder


def main(argv: list[str]) -> int:
    """Run the retry worker until the kill switch fires."""
    app = build_app(Path(argv[1]), AppOptions(is_sandbox=True, prefer_keychain=False, start_workers=False))
    sys.addaudithook(KillSwitch(app.home.default_output, argv[2]))
    done = threading.Event()
    app.ctx.services.retries.add_listener(lambda task: done.set())
    app.ctx.services.retries.start_worker()
    done.wait(60)
    print("FINISHED", flush=True)
    app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
