"""The Settings view in a real browser against the real Api: saving, validation, keys, visibility, reset."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from e2e_support import UI, PickedPaths
from playwright.sync_api import expect

from gif_app.app import App

SECRET = "sk-test-e2e-0123456789abcdefWXYZ"


def _saved_settings(home: Path) -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads((home / "settings.json").read_text(encoding="utf-8"))
    return data


def _set_key(ui: UI, name: str, value: str) -> None:
    ui.by(f"key-input-{name}").fill(value)
    ui.by(f"key-save-{name}").click()
    expect(ui.by(f"key-input-{name}")).to_have_value("")


def test_changed_setting_is_kept_after_save_and_reload(ui: UI, app_home: Path) -> None:
    ui.open("settings/parameters")
    ui.field("parameters.count").fill("5")
    ui.field("parameters.label").fill("Autumn leaves")
    ui.by("settings-save").click()

    expect(ui.toast("Settings saved")).to_be_visible()
    ui.reload("settings")
    expect(ui.by("settings-tab-parameters")).to_have_attribute("aria-selected", "true")
    expect(ui.field("parameters.count")).to_have_value("5")
    expect(ui.field("parameters.label")).to_have_value("Autumn leaves")
    assert _saved_settings(app_home)["parameters"]["count"] == 5


def test_out_of_range_value_shows_the_fields_message_and_is_not_saved(ui: UI, app_home: Path) -> None:
    ui.open("settings/parameters")
    ui.field("parameters.variations").fill("25")
    # Live validation explains the problem while the user is still on the field.
    expect(ui.by("field-error-parameters.variations")).to_have_text("Must be between 1 and 20.")
    expect(ui.field("parameters.variations")).to_have_attribute("aria-invalid", "true")

    ui.by("settings-save").click()
    expect(ui.toast("Settings were not saved")).to_be_visible()
    expect(ui.by("field-error-parameters.variations")).to_have_text("Must be between 1 and 20.")
    expect(ui.by("settings-dirty")).to_be_visible()
    expect(ui.toast("Settings saved")).to_have_count(0)
    assert not (app_home / "settings.json").exists()

    ui.reload("settings")
    expect(ui.field("parameters.variations")).to_have_value("1")
    expect(ui.by("field-error-parameters.variations")).to_have_text("")


def test_fixing_the_value_clears_the_message(ui: UI) -> None:
    ui.open("settings/parameters")
    ui.field("parameters.variations").fill("0")
    expect(ui.by("field-error-parameters.variations")).to_have_text("Must be between 1 and 20.")
    ui.field("parameters.variations").fill("4")
    expect(ui.by("field-error-parameters.variations")).to_have_text("")
    ui.by("settings-save").click()
    expect(ui.toast("Settings saved")).to_be_visible()


def test_saved_key_shows_only_its_mask_and_stays_out_of_db_and_settings(ui: UI, app_home: Path) -> None:
    ui.open("settings")
    expect(ui.by("key-mask-openai")).to_have_text("Not set")
    _set_key(ui, "openai", SECRET)

    expect(ui.by("key-mask-openai")).to_have_text("••••WXYZ")
    expect(ui.toast("OpenAI key saved")).to_be_visible()
    values = ui.page.eval_on_selector_all("input, textarea", "els => els.map(e => e.value)")
    assert SECRET not in values
    assert SECRET not in ui.page.content()

    # Write the settings file and the database too, then look for the key in their bytes.
    ui.tab("parameters")
    ui.field("parameters.count").fill("2")
    ui.by("settings-save").click()
    expect(ui.toast("Settings saved")).to_be_visible()
    for name in ("gif_app.db", "gif_app.db-wal", "settings.json"):
        path = app_home / name
        if name != "gif_app.db-wal":
            assert path.exists(), name
        if path.exists():
            assert SECRET.encode() not in path.read_bytes(), name

    ui.reload("settings")
    expect(ui.by("key-mask-openai")).to_have_text("••••WXYZ")
    expect(ui.by("key-input-openai")).to_have_value("")
    expect(ui.by("key-input-openai")).to_have_attribute("placeholder", "••••WXYZ")


def test_clearing_a_key_asks_first(ui: UI) -> None:
    ui.open("settings")
    _set_key(ui, "runware", SECRET)
    expect(ui.by("key-mask-runware")).to_have_text("••••WXYZ")

    ui.by("key-clear-runware").click()
    ui.by("confirm-clear-key-cancel").click()
    expect(ui.by("key-mask-runware")).to_have_text("••••WXYZ")

    ui.by("key-clear-runware").click()
    ui.by("confirm-clear-key-ok").click()
    expect(ui.by("key-mask-runware")).to_have_text("Not set")
    expect(ui.by("key-clear-runware")).to_be_disabled()


def test_invalid_key_shows_a_message_and_is_not_stored(ui: UI) -> None:
    ui.open("settings")
    ui.by("key-input-removebg").fill("has a space")
    ui.by("key-input-removebg").press("Enter")
    expect(ui.by("key-error-removebg")).to_contain_text("No spaces")
    expect(ui.by("key-mask-removebg")).to_have_text("Not set")


@pytest.mark.parametrize("app_environ", [{"OPENAI_API_KEY": "sk-from-env-abcdef9876"}])
def test_key_from_environment_is_shown_read_only(ui: UI) -> None:
    ui.open("settings")
    expect(ui.by("key-mask-openai")).to_have_text("••••9876")
    expect(ui.by("key-source-openai")).to_have_text("From environment variable OPENAI_API_KEY")
    expect(ui.by("key-input-openai")).to_have_attribute("readonly", "")
    expect(ui.by("key-save-openai")).to_be_disabled()
    expect(ui.by("key-clear-openai")).to_be_disabled()


def test_jpg_quality_shows_only_for_jpg_with_convert_on(ui: UI) -> None:
    ui.open("settings/processing")
    quality, background = ui.field("processing.jpg_quality"), ui.field("processing.jpg_background")
    fmt, webp = ui.field("processing.convert_format"), ui.field("processing.webp_quality")
    # The defaults are upload-ready for Adobe Stock: converted to JPG at quality 95, at least 4 MP.
    expect(ui.field("processing.image_convert")).to_be_checked()
    expect(fmt).to_have_value("jpg")
    expect(quality).to_have_value("95")
    expect(ui.field("processing.min_megapixels")).to_have_value("4")

    ui.field("processing.image_convert").uncheck()
    expect(quality).to_be_hidden()
    expect(fmt).to_be_hidden()

    ui.field("processing.image_convert").check()
    fmt.select_option("png")
    expect(fmt).to_be_visible()
    expect(quality).to_be_hidden()

    fmt.select_option("jpg")
    expect(quality).to_be_visible()
    expect(background).to_be_visible()
    expect(webp).to_be_hidden()

    fmt.select_option("webp")
    expect(quality).to_be_hidden()
    expect(webp).to_be_visible()

    fmt.select_option("jpg")
    ui.field("processing.image_convert").uncheck()
    expect(quality).to_be_hidden()
    expect(fmt).to_be_hidden()


def test_nested_conditions_follow_the_remover_choice(ui: UI) -> None:
    ui.open("settings/processing")
    remover, local_model = ui.field("processing.remover"), ui.field("processing.rembg_model")
    expect(remover).to_be_hidden()
    ui.field("processing.remove_bg").check()
    expect(remover).to_be_visible()
    expect(ui.field("processing.remove_bg_size")).to_be_visible()
    expect(local_model).to_be_hidden()
    remover.select_option("rembg")
    expect(local_model).to_be_visible()
    expect(ui.field("processing.remove_bg_size")).to_be_hidden()


def test_dirty_marker_appears_and_disappears(ui: UI) -> None:
    ui.open("settings/processing")
    dirty, save = ui.by("settings-dirty"), ui.by("settings-save")
    expect(dirty).to_be_hidden()
    expect(save).to_be_disabled()

    ui.field("processing.image_enhancement").check()
    expect(dirty).to_be_visible()
    expect(dirty).to_have_text("Unsaved changes")
    expect(save).to_be_enabled()

    # Undoing the change by hand is not a change.
    ui.field("processing.image_enhancement").uncheck()
    expect(dirty).to_be_hidden()
    expect(save).to_be_disabled()

    ui.field("processing.image_enhancement").check()
    ui.field("processing.sharpening").fill("7.5")
    save.click()
    expect(ui.toast("Settings saved")).to_be_visible()
    expect(dirty).to_be_hidden()
    expect(save).to_be_disabled()


def test_reset_keep_keys_restores_defaults_and_keeps_the_key(ui: UI, app_home: Path) -> None:
    ui.open("settings")
    _set_key(ui, "openai", SECRET)
    ui.tab("parameters")
    ui.field("parameters.count").fill("9")
    ui.by("settings-save").click()
    expect(ui.toast("Settings saved")).to_be_visible()

    ui.by("settings-reset").click()
    ui.by("reset-keep-keys").click()
    expect(ui.toast("Settings reset; API keys kept")).to_be_visible()
    expect(ui.field("parameters.count")).to_have_value("1")
    assert _saved_settings(app_home)["parameters"]["count"] == 1
    ui.tab("keys")
    expect(ui.by("key-mask-openai")).to_have_text("••••WXYZ")


def test_reset_everything_removes_keys_too(ui: UI) -> None:
    ui.open("settings")
    _set_key(ui, "openai", SECRET)
    ui.by("settings-reset").click()
    ui.by("reset-full").click()
    expect(ui.toast("Settings and API keys reset")).to_be_visible()
    expect(ui.by("key-mask-openai")).to_have_text("Not set")


def test_reset_dialog_closes_on_escape_and_enter_resets_nothing(ui: UI) -> None:
    ui.open("settings")
    _set_key(ui, "openai", SECRET)
    ui.by("settings-reset").click()
    expect(ui.by("reset-dialog")).to_be_visible()
    ui.page.keyboard.press("Escape")
    expect(ui.by("reset-dialog")).to_have_count(0)
    expect(ui.toast("reset")).to_have_count(0)

    # A destructive dialog focuses Cancel: Enter closes it and resets nothing.
    ui.by("settings-reset").click()
    expect(ui.by("reset-dialog-cancel")).to_be_focused()
    ui.page.keyboard.press("Enter")
    expect(ui.by("reset-dialog")).to_have_count(0)
    expect(ui.toast("reset")).to_have_count(0)

    ui.by("settings-reset").click()
    ui.by("reset-keep-keys").click()
    expect(ui.toast("Settings reset; API keys kept")).to_be_visible()
    expect(ui.by("key-mask-openai")).to_have_text("••••WXYZ")


def test_browse_fills_the_path_from_the_file_dialog(ui: UI, picked_paths: PickedPaths, tmp_path: Path) -> None:
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("fox\nowl\n", encoding="utf-8")
    picked_paths.answers.append(str(keywords))
    ui.open("settings/file_paths")
    ui.by("field-browse-file_paths.keywords_file").click()
    expect(ui.field("file_paths.keywords_file")).to_have_value(str(keywords))
    expect(ui.by("settings-dirty")).to_be_visible()
    assert picked_paths.asked == [("file", ["txt", "csv"], "")]

    ui.by("field-clear-file_paths.keywords_file").click()
    expect(ui.field("file_paths.keywords_file")).to_have_value("")
    expect(ui.by("settings-dirty")).to_be_hidden()


def test_missing_file_is_flagged_under_its_field(ui: UI, tmp_path: Path) -> None:
    ui.open("settings/file_paths")
    path = ui.field("file_paths.keywords_file")
    path.fill(str(tmp_path / "nope.txt"))
    path.press("Tab")
    expect(ui.by("field-note-file_paths.keywords_file")).to_have_text("No file at this path.")

    (tmp_path / "nope.txt").write_text("fox\n", encoding="utf-8")
    path.fill(str(tmp_path / "nope.txt "))
    path.press("Tab")
    expect(ui.by("field-note-file_paths.keywords_file")).to_have_text("")


def test_advanced_settings_sit_in_a_collapsed_group(ui: UI) -> None:
    ui.open("settings/providers")
    url = ui.field("providers.openai_base_url")
    expect(url).to_be_hidden()
    ui.by("advanced-providers").locator("summary").click()
    expect(url).to_be_visible()
    url.fill("not a url")
    expect(ui.by("field-error-providers.openai_base_url")).to_have_text(re.compile("http"))


def test_leaving_with_unsaved_changes_asks_first(ui: UI) -> None:
    ui.open("settings/parameters")
    ui.field("parameters.count").fill("3")
    ui.by("nav-dashboard").click()
    ui.by("confirm-discard-cancel").click()
    expect(ui.by("view-settings")).to_be_visible()
    expect(ui.field("parameters.count")).to_have_value("3")

    ui.by("nav-dashboard").click()
    ui.by("confirm-discard-ok").click()
    ui.wait_view("dashboard")


def test_number_fields_ignore_the_mouse_wheel(ui: UI, gif: App) -> None:
    ui.open("settings/parameters")
    count = ui.field("parameters.count")
    count.fill("5")
    count.hover()
    ui.page.mouse.wheel(0, -200)
    ui.page.mouse.wheel(0, 200)
    expect(count).to_have_value("5")


def test_keyboard_moves_between_tabs_with_a_visible_focus_ring(ui: UI) -> None:
    ui.open("settings")
    ui.by("settings-tab-keys").focus()
    ui.page.keyboard.press("ArrowDown")
    tab = ui.by("settings-tab-file_paths")
    expect(tab).to_be_focused()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(ui.by("settings-panel-file_paths")).to_be_visible()
    expect(ui.by("settings-panel-keys")).to_be_hidden()
    assert tab.evaluate("el => getComputedStyle(el).boxShadow") != "none"

    ui.page.keyboard.press("End")
    expect(ui.by("settings-tab-advanced")).to_be_focused()
    ui.page.keyboard.press("Tab")
    expect(ui.field("advanced.debug_mode")).to_be_focused()
    ui.page.keyboard.press("Space")
    expect(ui.by("settings-dirty")).to_be_visible()


def test_local_model_shows_its_state_and_asks_before_downloading(ui: UI, gif: App) -> None:
    ui.open("settings/processing")
    ui.field("processing.remove_bg").check()
    ui.field("processing.remover").select_option("rembg")
    ui.field("processing.rembg_model").select_option("u2netp")
    expect(ui.by("model-status")).to_contain_text("Not downloaded yet")
    ui.by("model-download").click()
    expect(ui.by("model-confirm")).to_be_visible()
    ui.by("model-confirm-cancel").click()  # nothing is fetched without the user's yes
    assert gif.api.model_status("u2netp")["data"]["download"]["state"] == "idle"
    (gif.home.models / "u2netp.onnx").write_bytes(b"\0" * 4_000_000)
    ui.field("processing.rembg_model").select_option("silueta")
    ui.field("processing.rembg_model").select_option("u2netp")
    expect(ui.by("model-status")).to_contain_text("Installed (4 MB)")
    expect(ui.by("model-download")).to_be_hidden()


def test_creator_and_copyright_are_saved_empty_by_default(ui: UI, app_home: Path) -> None:
    ui.open("settings/metadata")
    expect(ui.field("metadata.creator")).to_have_value("")
    expect(ui.field("metadata.copyright")).to_have_value("")
    ui.field("metadata.creator").fill("Åsa Studio")
    ui.field("metadata.copyright").fill("© 2026 Åsa Studio AB")
    ui.by("settings-save").click()

    expect(ui.toast("Settings saved")).to_be_visible()
    ui.reload("settings")
    expect(ui.by("settings-tab-metadata")).to_have_attribute("aria-selected", "true")
    expect(ui.field("metadata.creator")).to_have_value("Åsa Studio")
    expect(ui.field("metadata.copyright")).to_have_value("© 2026 Åsa Studio AB")
    saved = _saved_settings(app_home)["metadata"]
    assert (saved["creator"], saved["copyright"]) == ("Åsa Studio", "© 2026 Åsa Studio AB")
