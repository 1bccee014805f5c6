"""The one envelope every API method answers with: {ok, data} or {ok: false, error}."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from gif_app.errors import AppError, ValidationError

log = logging.getLogger(__name__)

Envelope = dict[str, Any]

# Set on every enveloped method: the page surface is exactly the methods that carry it.
API_MARK = "__gif_api_method__"

INTERNAL_MESSAGE = ("Something went wrong inside the app. Details are in logs/gif-app.log in the app home; "
                    "please report it.")


def envelope(fn: Callable[..., Any]) -> Callable[..., Envelope]:
    """Wrap an API method so it returns {ok, data} or {ok: false, error} and never raises to the page."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Envelope:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as exc:
            # The page sent too many or too few arguments: its mistake, said as one.
            error = ValidationError(f"{fn.__name__}: {exc}.")
            return {"ok": False, "error": error.to_dict()}
        try:
            return {"ok": True, "data": fn(*args, **kwargs)}
        except AppError as exc:
            log.info("api %s refused: %s (%s)", fn.__name__, exc.message, exc.code)
            return {"ok": False, "error": exc.to_dict()}
        except Exception:
            log.exception("api %s failed unexpectedly", fn.__name__)
            return {"ok": False, "error": {"code": "internal_error", "message": INTERNAL_MESSAGE}}

    setattr(wrapper, API_MARK, True)
    return wrapper


def is_api_method(value: object) -> bool:
    """Return True for a method wrapped by `envelope`."""
    return bool(getattr(value, API_MARK, False))
