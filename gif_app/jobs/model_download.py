"""Download a local background-removal model in the background, after the user agreed, with progress."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from gif_app.domain import CancelToken
from gif_app.errors import AppError, ConflictError
from gif_app.providers.rembg_local import KNOWN_MODELS, download_model, is_model_present, model_path

log = logging.getLogger(__name__)


class ModelDownloads:
    """One download at a time, on its own thread; the page polls `status`."""

    def __init__(self, models_home: Path) -> None:
        self._home = models_home
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"model": None, "state": "idle", "done": 0, "total": 0, "error": None}
        self._cancel = CancelToken()
        self._thread: threading.Thread | None = None

    def model_status(self, model_name: str) -> dict[str, Any]:
        """Return whether a model is present, its size on disk and whether it can be downloaded."""
        path = model_path(self._home, model_name)
        present = is_model_present(self._home, model_name)
        size_mb = KNOWN_MODELS[model_name][0] if model_name in KNOWN_MODELS else None
        return {"model": model_name, "is_present": present, "path": str(path),
                "size_on_disk": path.stat().st_size if present else 0,
                "can_download": model_name in KNOWN_MODELS, "approx_size_mb": size_mb,
                "download": self.status()}

    def start(self, model_name: str) -> dict[str, Any]:
        """Start downloading a model (the caller asked the user first)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise ConflictError("A model download is already running.")
            self._cancel = CancelToken()
            self._state = {"model": model_name, "state": "running", "done": 0, "total": 0, "error": None}
            self._thread = threading.Thread(target=self._run, args=(model_name,), name="gif-model-download",
                                            daemon=True)
            self._thread.start()
        return self.status()

    def cancel(self) -> dict[str, Any]:
        """Stop the running download; the partial file is removed."""
        self._cancel.request_abort()
        return self.status()

    def status(self) -> dict[str, Any]:
        """Return the download's state, bytes done and total."""
        with self._lock:
            return dict(self._state)

    def shutdown(self) -> None:
        """Cancel any download and wait briefly."""
        self._cancel.request_abort()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self, model_name: str) -> None:
        def progress(done: int, total: int) -> None:
            with self._lock:
                self._state.update(done=done, total=total)

        try:
            download_model(model_name, self._home, progress, self._cancel)
        except AppError as exc:
            with self._lock:
                self._state.update(state="cancelled" if exc.code == "cancelled" else "failed", error=exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - report any failure to the page
            log.exception("model download failed")
            with self._lock:
                self._state.update(state="failed", error=str(exc))
            return
        with self._lock:
            self._state.update(state="done")
