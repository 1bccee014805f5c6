"""The page surface is sealed: pywebview's own dispatcher, fed hostile names, runs none of them.

pywebview answers a page call by name: first the window's exposed functions, else an attribute chain of
its `js_api` object. These tests drive `webview.util.js_bridge_call` (pywebview's code, not a copy) on the
window the app really creates, with names a hostile page script would send.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import webview
from webview.util import js_bridge_call

from gif_app.api import Api
from gif_app.api.envelope import is_api_method
from gif_app.api.surface import exposed_names
from gif_app.app import App, AppOptions, build_app
from gif_app.window import create_main_window

KEY = "sk-proj-SecretCanary0123456789abcdef"
WAIT_S = 30.0

HOSTILE = [
    "ctx.keystore.get", "_ctx.keystore.get", "ctx.keystore.secrets", "ctx.repo.db.execute_sql",
    "__dict__.clear", "__class__.__init__.__globals__.clear", "__class__.__base__.__subclasses__",
    "__init__.__globals__.clear", "__getattribute__", "__setattr__", "__reduce_ex__", "api.ctx.keystore.get",
]


class DispatchLog(logging.Handler):
    """Collects the dispatcher's "does not exist" refusals (it logs one for every name it cannot resolve)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.refused: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Function ") and message.endswith("() does not exist"):
            self.refused.append(message[len("Function "):-len("() does not exist")])


class PageEnd:
    """Stands in for the page's end of the bridge: records the scripts pywebview sends back."""

    def __init__(self) -> None:
        self.scripts: list[str] = []
        self.arrived = threading.Condition()

    def evaluate_js(self, script: str, callback: Any = None) -> None:
        with self.arrived:
            self.scripts.append(script)
            self.arrived.notify_all()

    def wait_for(self, count: int) -> list[str]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.scripts) >= count, WAIT_S)
            return list(self.scripts)


@pytest.fixture
def app(home: Path) -> Iterator[App]:
    built = build_app(home, AppOptions(prefer_keychain=False, start_workers=False))
    built.ctx.keystore.set("openai", KEY)
    yield built
    built.close()


@pytest.fixture
def window(app: App) -> Iterator[Any]:
    created = create_main_window(app, "http://127.0.0.1:9/")
    yield created
    webview.windows.remove(created)


@pytest.fixture
def page_end(window: Any) -> PageEnd:
    end = PageEnd()
    window.evaluate_js = end.evaluate_js  # the GUI's half of the bridge; no display here
    return end


@pytest.fixture
def refusals() -> Iterator[DispatchLog]:
    handler = DispatchLog()
    logger = logging.getLogger("pywebview")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def attribute_chains(root: object, prefix: str, depth: int, limit: int) -> list[str]:
    """Return attribute chains from `root` (dunders included) that resolve to callables, breadth first."""
    found: list[str] = []
    frontier: list[tuple[str, object]] = [(prefix, root)]
    seen: set[int] = set()
    for _ in range(depth):
        next_frontier: list[tuple[str, object]] = []
        for name, obj in frontier:
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            for attr in dir(obj):
                try:
                    value = getattr(obj, attr)
                except Exception:  # noqa: BLE001 - some descriptors raise; the dispatcher would get None
                    continue
                chain = f"{name}.{attr}" if name else attr
                if callable(value):
                    found.append(chain)
                next_frontier.append((chain, value))
                if len(found) >= limit:
                    return found
        frontier = next_frontier
    return found


def dispatch(window: Any, name: str, params: list[Any]) -> None:
    js_bridge_call(window, name, params, "1")


def answer_of(script: str) -> dict[str, Any]:
    """Return the envelope inside the callback script pywebview sends back."""
    raw = script.split("{value: '", 1)[1].rsplit("'})", 1)[0]
    # pywebview writes the JSON into a single-quoted JS string literal: undo that literal's escapes.
    value: dict[str, Any] = json.loads(re.sub(r"\\(.)", r"\1", raw))
    return value


def test_hostile_names_resolve_to_nothing(app: App, window: Any, page_end: PageEnd,
                                          refusals: DispatchLog) -> None:
    names = list(HOSTILE)
    for exposed in exposed_names():
        names += [f"{exposed}.__globals__.clear", f"{exposed}.__globals__.update", f"{exposed}.__builtins__.clear",
                  f"{exposed}.__func__.__globals__.clear", f"{exposed}.__wrapped__", f"{exposed}.__call__",
                  f"{exposed}.__closure__", f"{exposed}.__code__.replace"]
    for name in names:
        dispatch(window, name, [])
    assert refusals.refused == names
    assert page_end.scripts == []
    # Nothing was cleared or rewritten: the app still answers, the key is still there and still masked.
    assert app.ctx.keystore.get("openai") == KEY
    dispatch(window, "key_status", [])
    answer = answer_of(page_end.wait_for(1)[0])
    assert answer["ok"] and KEY not in json.dumps(answer)


def test_a_generated_walk_of_attribute_chains_runs_nothing(app: App, window: Any, page_end: PageEnd,
                                                           refusals: DispatchLog) -> None:
    # Every chain that would reach a callable from the API object (what js_api used to be), from each
    # registered function and from the object pywebview now holds as js_api.
    chains = attribute_chains(app.api, "", depth=3, limit=12_000)
    for function in window._functions.values():
        chains += attribute_chains(function, function.__name__, depth=2, limit=400)
    chains += attribute_chains(window._js_api, "", depth=2, limit=400)
    chains = [c for c in dict.fromkeys(chains) if c not in window._functions]
    assert len(chains) > 5_000  # the walk really explores: the old bridge resolved all of these
    for name in chains:
        dispatch(window, name, [])
    assert refusals.refused == chains
    assert page_end.scripts == []


def test_the_window_exposes_exactly_the_enveloped_api_methods(window: Any) -> None:
    public_callables = {n for n in dir(Api) if not n.startswith("_") and callable(getattr(Api, n))}
    enveloped = {n for n in public_callables if is_api_method(getattr(Api, n))}
    assert public_callables == enveloped, "every public API method answers with the envelope"
    assert set(window._functions) == enveloped == set(exposed_names())
    assert "start_job" in enveloped and "ctx" not in window._functions


def test_an_exposed_name_calls_its_method_through_the_envelope(window: Any, page_end: PageEnd) -> None:
    dispatch(window, "app_info", [])
    dispatch(window, "list_jobs", [{"page": "abc"}])
    dispatch(window, "get_job", [1, 2, 3])
    answers = {json.dumps(answer_of(s)) for s in page_end.wait_for(3)}
    parsed = [json.loads(a) for a in answers]
    assert any(a["ok"] and a["data"]["name"] == "Gen Image Factory" for a in parsed)
    errors = [a["error"] for a in parsed if not a["ok"]]
    assert len(errors) == 2 and all(e["code"] == "validation_error" for e in errors)
    assert any("page" in e["message"] for e in errors)
