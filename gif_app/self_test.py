"""`gif-app --self-test`: the open window's page is checked through the real bridge, as a user's click goes."""

from __future__ import annotations

import json
import threading
from typing import Any

from gif_app.api.home_in_use import HomeInUseApi
from gif_app.api.recovery import RecoveryApi
from gif_app.api.surface import exposed_names
from gif_app.app import App, HomeInUseApp, RecoveryApp

SELF_TEST_TIMEOUT_S = 90.0


_SELF_TEST_JS = """
(async () => {
  const report = (result) => window.pywebview.api.self_test_report(JSON.stringify(result));
  const started = Date.now();
  while (!(window.pywebview && window.pywebview.api && window.pywebview.api.self_test_report
           && window.pywebview.api.app_info)) {
    if (Date.now() - started > 30000) return;
    await new Promise(r => setTimeout(r, 100));
  }
  try {
    const info = await window.pywebview.api.app_info();
    const recovery = Boolean(info.data && info.data.recovery);
    // The recovery page has no settings and no navigation: it is checked by its own view and message.
    const settings = recovery ? {ok: false} : await window.pywebview.api.get_settings();
    const shown = () => recovery
      ? document.querySelector('[data-testid="recovery-view"]:not([aria-busy])') !== null
      : document.querySelectorAll('[data-testid^="nav-"]').length >= 4;
    while (!shown() && Date.now() - started < 30000) {
      await new Promise(r => setTimeout(r, 100));
    }
    const nav = document.querySelectorAll('[data-testid^="nav-"]').length;
    const recoveryMessage = recovery ? document.querySelector('[data-testid="recovery-message"]').textContent : '';
    const apiNames = Object.keys(window.pywebview.api).sort();
    await report({info, settingsOk: settings.ok, nav, title: document.title, apiNames, recovery: shown() && recovery,
                  recoveryMessage});
  } catch (err) {
    await report({error: String(err)});
  }
})();
true
"""


_HOME_IN_USE_JS = """
new Promise((resolve) => {
  const started = Date.now();
  const check = () => {
    const api = window.pywebview && window.pywebview.api;
    const view = document.querySelector('[data-testid="home-in-use-view"]:not([aria-busy])');
    if (api && typeof api.quit === 'function' && view) {
      resolve({apiNames: Object.keys(api).sort(),
               message: document.querySelector('[data-testid="home-in-use-message"]').textContent});
    } else if (Date.now() - started > 30000) {
      resolve({error: 'the page or its bridge did not come up'});
    } else {
      setTimeout(check, 100);
    }
  };
  check();
})
"""


def check_home_in_use_window(window: Any, app: HomeInUseApp, outcome: dict[str, Any]) -> None:
    """Check the "already running" page and its one-function bridge, then press Quit as a user would."""
    reported = threading.Event()
    answer: dict[str, Any] = {}

    def receive(result: Any) -> None:
        answer.update(json.loads(result) if isinstance(result, str) else result or {})
        reported.set()

    try:
        if not window.events.loaded.wait(SELF_TEST_TIMEOUT_S):
            raise RuntimeError("the page did not load")
        window.evaluate_js(_HOME_IN_USE_JS, receive)
        if not reported.wait(SELF_TEST_TIMEOUT_S) or "error" in answer:
            raise RuntimeError(f"the page did not show: {answer.get('error', 'no answer')}")
        if answer.get("apiNames") != list(exposed_names(HomeInUseApi)):
            raise RuntimeError(f"the page sees other functions than quit: {answer.get('apiNames')}")
        window.evaluate_js("document.querySelector('[data-testid=\"home-in-use-quit\"]').click(); true")
        if not window.events.closed.wait(SELF_TEST_TIMEOUT_S) or app.api.quit_calls != 1:
            raise RuntimeError("the Quit button did not close the window")
        print(f"SELF-TEST OK: already-running page shown ({answer.get('message')}); Quit closed it", flush=True)
    except Exception as exc:  # noqa: BLE001 - any failure is the self-test's answer
        outcome["code"] = 1
        print(f"SELF-TEST FAILED: {exc}", flush=True)
        window.destroy()


def check_window(window: Any, app: App | RecoveryApp, outcome: dict[str, Any], start_fresh: bool = False) -> None:
    """Check the page through the real bridge; with `start_fresh`, press it on the recovery page and check the app."""
    try:
        print(_check_page(window, app)[0], flush=True)
        if isinstance(app, RecoveryApp) and start_fresh:
            window.evaluate_js("document.querySelector('[data-testid=\"recovery-start-fresh\"]').click(); true")
            if not app.app_opened.wait(SELF_TEST_TIMEOUT_S) or app.app is None:
                raise RuntimeError("Start fresh did not go on into the app")
            window = app.app_window
            line, answer = _check_page(window, app.app)
            notices = (answer.get("info") or {}).get("data", {}).get("notices", [])
            print(f"{line}; after Start fresh: {' '.join(notices)}", flush=True)
    except Exception as exc:  # noqa: BLE001 - any failure is the self-test's answer
        outcome["code"] = 1
        print(f"SELF-TEST FAILED: {exc}", flush=True)
    finally:
        window.destroy()


def _check_page(window: Any, app: App | RecoveryApp) -> tuple[str, dict[str, Any]]:
    """Return the self-test's line for the window's page and the page's answer; raise if anything is off."""
    reported = threading.Event()
    answer: dict[str, Any] = {}

    def sink(raw: str) -> None:
        answer.update(json.loads(raw))
        reported.set()

    if isinstance(app, RecoveryApp):
        app.recovery.self_test_sink = sink
    else:
        app.ctx.services.self_test_sink = sink
    if not window.events.loaded.wait(SELF_TEST_TIMEOUT_S):
        raise RuntimeError("the page did not load")
    # The page answers through the real bridge (the exposed functions), the path every user action takes.
    window.evaluate_js(_SELF_TEST_JS)
    if not reported.wait(SELF_TEST_TIMEOUT_S):
        raise RuntimeError("the page never called the API through the bridge")
    if "error" in answer:
        raise RuntimeError(f"bridge check failed: {answer['error']}")
    info = answer.get("info") or {}
    if isinstance(app, RecoveryApp):
        if not info.get("ok") or not answer.get("recovery"):
            raise RuntimeError(f"the recovery page was not shown: {answer}")
        if answer.get("apiNames") != list(exposed_names(RecoveryApi)):
            raise RuntimeError(f"the page sees other functions than the recovery API: {answer.get('apiNames')}")
        return f"SELF-TEST OK: recovery page shown ({answer.get('recoveryMessage')})", answer
    if not info.get("ok") or not answer.get("settingsOk") or answer.get("nav", 0) < 4:
        raise RuntimeError(f"unexpected page state: {answer}")
    if answer.get("apiNames") != list(exposed_names()):
        raise RuntimeError(f"the page sees other functions than the exposed API: {answer.get('apiNames')}")
    return (f"SELF-TEST OK: {info['data']['name']} {info['data']['version']} "
            f"(sandbox={info['data']['is_sandbox']}, nav items={answer['nav']}, "
            f"api functions={len(answer['apiNames'])})"), answer
