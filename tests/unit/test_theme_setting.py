"""The theme choice (ui.theme): system by default, three choices, the app's own preference and not a job's."""

from __future__ import annotations

from gif_app import settings as settings_mod
from gif_app.settings_schema import SETTINGS


def test_the_theme_defaults_to_the_os_and_offers_three_choices() -> None:
    assert settings_mod.defaults()["ui"]["theme"] == "system"
    assert [value for value, _ in SETTINGS["ui.theme"].choices] == ["system", "light", "dark"]


def test_an_unknown_theme_is_refused() -> None:
    raw = settings_mod.defaults()
    raw["ui"]["theme"] = "purple"
    clean, errors = settings_mod.validate(raw)
    assert "ui.theme" in errors
    assert clean["ui"]["theme"] == "system"


def test_a_job_neither_shows_nor_edits_the_theme() -> None:
    assert "ui" in {s["name"] for s in settings_mod.describe_schema()}
    assert "ui" not in {s["name"] for s in settings_mod.describe_schema(for_job=True)}
    sections = {section for section, _, _ in settings_mod.labelled_rows(settings_mod.defaults())}
    assert "Appearance" not in sections
    assert len(sections) > 3  # the run settings are still there
