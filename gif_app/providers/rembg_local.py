"""Local background removal with rembg (imported lazily: its first import costs about a minute of numba JIT)."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from gif_app.domain import CancelToken
from gif_app.errors import AppError, CancelledError, ConfigurationError, ProcessingError, ProviderError
from gif_app.providers.base import RemovalResult
from gif_app.providers.http import build_client, error_from_response, error_from_transport

logger = logging.getLogger(__name__)

# Release assets of the rembg project (facts read from rembg's sessions/*.py): name -> (approx. MB, md5).
MODEL_BASE_URL = "https://github.com/danielgatis/rembg/releases/download/v0.0.0/"
KNOWN_MODELS: dict[str, tuple[int, str | None]] = {
    "u2net": (170, "60024c5c889badc19c04ad937298a77b"),
    "u2netp": (5, "8e83ca70e441ab06c318d82300c84806"),
    "silueta": (43, "55e59e0d8062d2f5d013f4725ee84782"),
    "isnet-general-use": (170, None),
    "u2net_human_seg": (170, "c09ddc2e0104f800e3e1bb4652583d1f"),
}
_CHUNK = 1 << 20


def is_custom_model(model_name: str) -> bool:
    """Return True for a custom U2-Net-compatible model file name ("my-model.onnx") inside the model home."""
    return model_name.endswith(".onnx")


def model_path(model_home: Path, model_name: str) -> Path:
    """Return where the model file lives: `<model_home>/<name>.onnx` (rembg's flat U2NET_HOME layout)."""
    return model_home / (model_name if is_custom_model(model_name) else f"{model_name}.onnx")


def is_model_present(model_home: Path, model_name: str) -> bool:
    """Return True when the model file exists and is not empty."""
    path = model_path(model_home, model_name)
    return path.is_file() and path.stat().st_size > 0


def _missing_model_error(model_name: str) -> ConfigurationError:
    """Build the error shown when the model file has not been downloaded yet."""
    size = KNOWN_MODELS.get(model_name, (0, None))[0]
    about = f" (~{size} MB)" if size else ""
    return ConfigurationError(
        f"Local background removal needs the {model_name} model{about}. "
        "Download it from Settings → Processing.",
        code="model_missing",
    )


def download_model(
    model_name: str,
    model_home: Path,
    progress: Callable[[int, int], None],
    cancel: CancelToken | None = None,
    base_url: str = MODEL_BASE_URL,
) -> Path:
    """Download a known rembg model into `model_home` (temp file, then atomic rename); return its path.

    `progress(done_bytes, total_bytes)` is called per chunk (total 0 when unknown); a stop cancels.
    """
    if model_name not in KNOWN_MODELS:
        raise ConfigurationError(f"No download is known for the model {model_name!r}; copy the file in instead.")
    target = model_path(model_home, model_name)
    model_home.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    digest = hashlib.md5(usedforsecurity=False)
    hook: int | None = None
    try:
        with build_client(base_url, 120.0) as client, client.stream("GET", f"{model_name}.onnx") as response:
            if cancel is not None:
                # A cancel closes the stream at once: a stalled server does not hold it until the read timeout.
                hook = cancel.add_abort_hook(lambda: _shut_stream(response))
            if response.status_code == 404:
                raise ProviderError(f"The {model_name} model is not offered for download (HTTP 404).",
                                    vendor="github", status=404)
            if response.status_code >= 400:
                response.read()
                raise error_from_response(response, "github")
            total = int(response.headers.get("content-length") or 0)
            done = 0
            with partial.open("wb") as out:
                for chunk in response.iter_bytes(_CHUNK):
                    if cancel is not None and cancel.is_stopping:
                        raise CancelledError("The model download was cancelled.")
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    progress(done, total)
        expected = KNOWN_MODELS[model_name][1]
        if expected is not None and digest.hexdigest() != expected:
            raise ProviderError(f"The downloaded {model_name} model is damaged; try again.", vendor="github",
                                is_retryable=True)
        os.replace(partial, target)
    except (httpx.HTTPError, httpx.StreamError) as exc:
        if cancel is not None and cancel.is_stopping:
            raise CancelledError("The model download was cancelled.") from exc
        if isinstance(exc, httpx.StreamError):
            raise
        raise error_from_transport(exc, "github") from exc
    finally:
        if cancel is not None and hook is not None:
            cancel.remove_abort_hook(hook)
        partial.unlink(missing_ok=True)
    return target


def _shut_stream(response: httpx.Response) -> None:
    """Shut the response's socket down: a read blocked in another thread wakes at once (close alone does not)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed: nothing is left to wake
    response.close()


class RembgRemover:
    """BackgroundRemover that runs a rembg ONNX model on this machine (free, offline)."""

    name = "rembg"

    def __init__(self, model_name: str, model_home: Path) -> None:
        self.model_name = model_name
        self.model_home = Path(model_home)
        self._session: Any = None
        self._lock = threading.Lock()

    def _get_session(self) -> Any:
        """Return the one rembg session, creating it (and importing rembg) on first use."""
        with self._lock:
            if self._session is not None:
                return self._session
            path = model_path(self.model_home, self.model_name)
            # rembg finds model files only through U2NET_HOME; set it before rembg reads it.
            os.environ["U2NET_HOME"] = str(self.model_home)
            try:
                from rembg import new_session
            except ImportError as exc:
                raise ConfigurationError(
                    "Local background removal is not installed (install gif-app with the rembg extra)."
                ) from exc
            try:
                if is_custom_model(self.model_name):
                    self._session = new_session("u2net_custom", model_path=str(path))
                else:
                    self._session = new_session(self.model_name)
            except Exception as exc:  # onnxruntime raises its own types for a bad file
                raise ConfigurationError(
                    f"The {self.model_name} model could not be loaded ({exc}). Download it again from "
                    "Settings → Processing."
                ) from exc
            logger.info("rembg session ready with model %s", self.model_name)
            return self._session

    def remove(self, image: bytes, filename: str, cancel: CancelToken | None = None) -> RemovalResult:
        """Return a PNG cut-out of `image` with a transparent background."""
        if not is_model_present(self.model_home, self.model_name):
            raise _missing_model_error(self.model_name)
        if cancel is not None and cancel.is_aborted:
            raise CancelledError("Background removal was cancelled by a force stop.")
        session = self._get_session()
        from rembg import remove

        try:
            data = remove(image, session=session, force_return_bytes=True)
        except AppError:
            raise
        except Exception as exc:  # rembg, PIL and onnxruntime errors all mean "this image failed"
            raise ProcessingError("remove_bg", f"Local background removal failed on {filename}: {exc}") from exc
        if not isinstance(data, bytes):
            raise ProcessingError("remove_bg", "Local background removal returned no image.")
        return RemovalResult(data=data, credits=0.0)
