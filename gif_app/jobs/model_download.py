"""Download a local background-removal model in the background, after the user agreed, with progress."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from gif_app.domain import CancelToken
from gif_app.errors import AppError, ConflictError
from gif_app.providers.rembg_local import (
    KNOWN_MODELS,
    MODEL_BASE_URL,
    download_model,
    is_model_present,
    model_path,
)
from gif_app.worker import Worker

_JOIN_TIMEOUT_S = 5.0


class ModelDownloads:
    """One download at a time, on its own Worker; the page polls `status`."""

    def __init__(self, models_home: Path, base_url: str = MODEL_BASE_URL) -> None:
        self._home = models_home
        self._base_url = base_url  # where the model files are offered (a local server in tests)
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"model": None, "state": "idle", "done": 0, "total": 0, "error": None}
        self._cancel = CancelToken()
        self._is_shut_down = False
        # An item is (model name, that download's cancel token); the thread starts on the first download.
        self._worker: Worker[tuple[str, CancelToken]] = Worker("gif-model-download", self._run,
                                                               on_error=self._crashed)

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
            if self._is_shut_down:
                raise AppError("The app is closing; the download was not started.")
            # "running" from here until the handler records the end, so a second start is refused even
            # before the worker has picked the first one up.
            if self._state["state"] == "running":
                raise ConflictError("A model download is already running.")
            self._cancel = CancelToken()
            self._state = {"model": model_name, "state": "running", "done": 0, "total": 0, "error": None}
            self._worker.submit((model_name, self._cancel))
        return self.status()

    def cancel(self) -> dict[str, Any]:
        """Stop the running download; the partial file is removed (the page shows "cancelling" until it is)."""
        with self._lock:
            cancel = self._cancel
            if self._state["state"] == "running":
                self._state["is_cancelling"] = True
        cancel.request_abort()
        return self.status()

    def status(self) -> dict[str, Any]:
        """Return the download's state, bytes done and total."""
        with self._lock:
            return dict(self._state)

    def shutdown(self) -> None:
        """Cancel any download and wait briefly."""
        with self._lock:
            self._is_shut_down = True
            cancel = self._cancel
        cancel.request_abort()
        self._worker.stop(_JOIN_TIMEOUT_S)

    def _run(self, item: tuple[str, CancelToken]) -> None:
        model_name, cancel = item

        def progress(done: int, total: int) -> None:
            with self._lock:
                self._state.update(done=done, total=total)

        try:
            download_model(model_name, self._home, progress, cancel, self._base_url)
        except AppError as exc:
            self._end(state="cancelled" if exc.code == "cancelled" else "failed", error=exc.message)
            return
        self._end(state="done")

    def _crashed(self, item: tuple[str, CancelToken], exc: BaseException) -> None:
        """Report an unexpected failure to the page (the worker's on_error; it already logged the trace)."""
        self._end(state="failed", error=str(exc))

    def _end(self, **fields: Any) -> None:
        with self._lock:
            self._state.update(fields, is_cancelling=False)
