"""Settings → API keys → Test in a real browser against the sandbox vendors; the price table under Advanced."""

from __future__ import annotations

import re

import pytest
from e2e_support import UI
from playwright.sync_api import expect

from gif_app.app import App

pytestmark = pytest.mark.parametrize("app_is_sandbox", [True])


def _set_key(ui: UI, name: str, value: str) -> None:
    ui.by(f"key-input-{name}").fill(value)
    ui.by(f"key-save-{name}").click()
    expect(ui.by(f"key-input-{name}")).to_have_value("")


def test_test_shows_ok_with_the_balance_then_the_vendors_words_for_a_wrong_key(ui: UI) -> None:
    ui.open("settings/keys")
    expect(ui.by("key-test-removebg")).to_be_disabled()  # nothing stored yet: nothing to test
    _set_key(ui, "removebg", "rb-sandbox-key-0001")
    ui.by("key-test-removebg").click()
    result = ui.by("key-test-result-removebg")
    expect(result).to_have_attribute("data-state", "ok")
    expect(result).to_have_class(re.compile(r"\bis-ok\b"))
    expect(result).to_contain_text("1000 credits")

    _set_key(ui, "removebg", "invalid")
    expect(result).to_be_hidden()  # a new key makes the old verdict stale
    ui.by("key-test-removebg").click()
    expect(result).to_have_attribute("data-state", "wrong_key")
    expect(result).to_have_class(re.compile(r"\bis-error\b"))
    expect(result).to_contain_text("API Key invalid")


# Records every state the result line takes, with whether the Test button was disabled meanwhile: the
# bridge answers within one event-loop turn here, so polling could miss the loading state in between.
_WATCH_STATES = """(name) => {
  const result = document.querySelector(`[data-testid="key-test-result-${name}"]`);
  const button = document.querySelector(`[data-testid="key-test-${name}"]`);
  window.__keyStates = [];
  new MutationObserver(() => window.__keyStates.push([result.dataset.state, button.disabled]))
    .observe(result, { attributes: true, attributeFilter: ['data-state'] });
}"""


def test_test_shows_loading_then_no_credits(ui: UI, gif: App) -> None:
    assert gif.sandbox is not None
    gif.sandbox.config.runware_balance = 0
    ui.open("settings/keys")
    _set_key(ui, "runware", "rw-sandbox-key-0001")
    ui.page.evaluate(_WATCH_STATES, "runware")
    ui.by("key-test-runware").click()
    result = ui.by("key-test-result-runware")
    expect(result).to_have_attribute("data-state", "no_credits")
    expect(result).to_have_class(re.compile(r"\bis-error\b"))
    expect(result).to_contain_text("balance is $0.00")
    expect(ui.by("key-test-runware")).to_be_enabled()
    states = ui.page.evaluate("window.__keyStates")
    assert [state for state, _ in states] == ["loading", "no_credits"]
    assert states[0][1] is True  # the button is disabled while the vendor is asked


def test_advanced_shows_the_price_table_and_validates_overrides(ui: UI) -> None:
    ui.open("settings/advanced")
    table = ui.by("price-table")
    table.locator("summary").click()
    rows = table.get_by_test_id("price-row")
    expect(rows.filter(has_text="openai/gpt-image-1").first).to_be_visible()
    expect(rows.filter(has_text="removebg/*")).to_contain_text("per credit")
    assert rows.count() >= 20

    ui.field("advanced.price_overrides").fill('{"openai/gpt-image-1": -1}')
    expect(ui.by("field-error-advanced.price_overrides")).to_contain_text("between 0 and")
    ui.field("advanced.price_overrides").fill('{"openai/gpt-image-1": 0.05}')
    expect(ui.by("field-error-advanced.price_overrides")).to_have_text("")
    ui.by("settings-save").click()
    expect(ui.toast("Settings saved")).to_be_visible()
