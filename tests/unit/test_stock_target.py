"""One-click upload-ready: what a stock target sets, what it lists as changed, the file-name limit in force."""

from __future__ import annotations

from gif_app import settings as settings_mod
from gif_app.export.targets import get_target, target_ids
from gif_app.settings_schema import SETTINGS
from gif_app.stock_target import choose_target, filename_limit
from tests.helpers.processing import NOTHING_ON_OVERRIDES


def test_the_setting_offers_every_target_of_the_table_and_none() -> None:
    offered = [value for value, _ in SETTINGS["output.stock_target"].choices]
    assert offered == [*target_ids(), "none"]


def test_the_defaults_are_already_upload_ready_so_choosing_adobe_changes_only_what_still_differs() -> None:
    defaults = settings_mod.flatten(settings_mod.defaults())
    values, changes = choose_target({**defaults, "output.stock_target": "none"}, "adobe")
    processing = {k: v for k, v in defaults.items() if k.startswith("processing.")}
    assert {k: v for k, v in values.items() if k.startswith("processing.")} == processing
    assert processing["processing.image_convert"] is True and processing["processing.convert_format"] == "jpg"
    assert processing["processing.jpg_quality"] >= 95
    assert processing["processing.min_megapixels"] == get_target("adobe").min_megapixels == 4.0
    shown = {c.key: (c.label, c.old, c.new) for c in changes}
    # Processing is already what Adobe Stock needs: only the target and its file-name limit are listed.
    assert shown == {"output.stock_target": ("Stock target", "None (my own settings)", "Adobe Stock"),
                     "output.filename_max_length": ("File name length (max)", "80", "30")}
    settings_mod.validated(values)  # what the page saves passes the schema


def test_choosing_adobe_from_nothing_on_makes_the_files_upload_ready_and_lists_each_change() -> None:
    start = {**settings_mod.flatten(settings_mod.defaults()), **NOTHING_ON_OVERRIDES,
             "processing.convert_format": "png", "processing.jpg_quality": 90, "output.stock_target": "none"}
    values, changes = choose_target(start, "adobe")
    assert values["processing.image_convert"] is True and values["processing.convert_format"] == "jpg"
    assert values["processing.jpg_quality"] >= 95
    assert values["processing.min_megapixels"] == get_target("adobe").min_megapixels == 4.0
    assert values["output.filename_max_length"] == 30
    shown = {c.key: (c.label, c.old, c.new) for c in changes}
    assert shown["processing.image_convert"] == ("Convert format", "Off", "On")
    assert shown["processing.convert_format"] == ("Format", "PNG", "JPG")
    assert shown["processing.jpg_quality"] == ("JPG quality", "90", "95")
    assert shown["processing.min_megapixels"] == ("Upscale to at least (MP)", "0", "4")
    assert shown["output.filename_max_length"] == ("File name length (max)", "80", "30")
    assert shown["output.stock_target"][2] == "Adobe Stock"
    settings_mod.validated(values)  # what the page saves passes the schema


def test_a_target_never_lowers_what_already_suffices() -> None:
    current = {**settings_mod.flatten(settings_mod.defaults()), "processing.jpg_quality": 100,
               "processing.min_megapixels": 8.0, "output.filename_max_length": 24}
    values, changes = choose_target(current, "adobe")
    assert (values["processing.jpg_quality"], values["processing.min_megapixels"],
            values["output.filename_max_length"]) == (100, 8.0, 24)
    assert not {c.key for c in changes} & {"processing.jpg_quality", "processing.min_megapixels",
                                           "output.filename_max_length"}


def test_freepik_minimum_side_becomes_a_minimum_size() -> None:
    values, _ = choose_target(settings_mod.flatten(settings_mod.defaults()), "freepik")
    assert values["processing.min_megapixels"] == 4.0  # 2000 px on a side: a 2000 x 2000 square
    assert values["metadata.site_preset"] == "freepik"


def test_no_target_changes_nothing_else() -> None:
    defaults = settings_mod.flatten(settings_mod.defaults())
    values, changes = choose_target(defaults, "none")
    assert [c.key for c in changes] == ["output.stock_target"]
    assert {k: v for k, v in values.items() if k != "output.stock_target"} == \
        {k: v for k, v in defaults.items() if k != "output.stock_target"}


def test_the_name_limit_in_force_is_the_smaller_of_the_users_and_the_targets() -> None:
    defaults = settings_mod.defaults()
    assert defaults["output"]["stock_target"] == "adobe" and filename_limit(defaults) == 30
    other = settings_mod.validated({**settings_mod.flatten(defaults), "output.stock_target": "shutterstock"})
    assert filename_limit(other) == 80
    tight = settings_mod.validated({**settings_mod.flatten(defaults), "output.filename_max_length": 20})
    assert filename_limit(tight) == 20
