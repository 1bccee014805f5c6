"""The browser tests' bridge hands the page the same function list as the real window: the exposed API."""

from __future__ import annotations

from e2e_support import UI

from gif_app.api.surface import exposed_names


def test_the_page_sees_exactly_the_exposed_api(ui: UI) -> None:
    ui.open("dashboard")
    names = ui.page.evaluate("Object.keys(window.pywebview.api).sort()")
    assert names == list(exposed_names())
    assert "start_job" in names and not any(n.startswith("_") or "." in n for n in names)
