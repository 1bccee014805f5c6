"""The page's sealed surface: the API's enveloped methods by exact name, and nothing else.

pywebview answers a call from the page by looking its name up in the window's exposed functions, and
otherwise by walking the name as an attribute chain of the `js_api` object (underscores and dunders
included; every Python function leads on to `__globals__` and `__builtins__`). So the window gets each
API method as a plain function registered under its exact name, and for `js_api` an object on which
every attribute lookup fails: no chain resolves, whatever the page sends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from gif_app.api import Api
from gif_app.api.envelope import Envelope, is_api_method


def exposed_names(api_class: type[object] = Api) -> tuple[str, ...]:
    """Return the names of the API's enveloped methods, sorted: the one list the page may call."""
    return tuple(sorted(name for name in dir(api_class)
                        if not name.startswith("_") and is_api_method(getattr(api_class, name))))


def exposed_functions(api: object) -> list[Callable[..., Envelope]]:
    """Return one plain function per exposed name, each calling the bound API method and nothing else."""
    return [_relay(name, getattr(api, name)) for name in exposed_names(type(api))]


def _relay(name: str, method: Callable[..., Envelope]) -> Callable[..., Envelope]:
    def call(*args: Any) -> Envelope:
        return method(*args)

    # pywebview registers a function under its __name__, which is the name the page calls.
    call.__name__ = name
    call.__qualname__ = name
    call.__doc__ = method.__doc__
    return call


class SealedObject:
    """A `js_api` on which every attribute lookup fails, so an attribute chain from the page resolves nowhere."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> NoReturn:
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        # pywebview lists js_api's members to build window.pywebview.api: there are none.
        return []
