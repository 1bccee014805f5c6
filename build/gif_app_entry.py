"""Entry script of the PyInstaller bundle: run gif-app's command line (the same main() as the console script)."""

from __future__ import annotations

import multiprocessing

from gif_app.cli import main

if __name__ == "__main__":
    # A frozen app must handle a spawned child itself before anything else runs (Windows/macOS spawn).
    multiprocessing.freeze_support()
    raise SystemExit(main())
