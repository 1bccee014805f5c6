"""The one envelope every API method answers with: {ok, data} or {ok: false, error}."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from gif_app.errors import AppError

log = logging.getLogger(__name__)

Envelope = dict[str, Any]


def envelope(fn: Callable[..., Any]) -> Callable[..., Envelope]:
    """Wrap an API method so it returns {ok, data} or {ok: false, error} and never raises to the page."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Envelope:
        try:
            return {"ok": True, "data": fn(*args, **kwargs)}
        except AppError as exc:
            log.info("api %s refused: %s (%s)", fn.__name__, exc.message, exc.code)
            return {"ok": False, "error": exc.to_dict()}
        except Exception:
            log.exception("api %s failed unexpectedly", fn.__name__)
            message = ("Something went wrong inside the app. Details are in logs/gif-app.log in the app home; "
                       "please report it.")
            return {"ok": False, "error": {"code": "internal_error", "message": message}}

    return wrapper


