"""Settings: defaults, per-field messages, cross-field rules, overrides, the JSON file and the labelled view."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gif_app import settings as s
from gif_app.errors import ValidationError
from gif_app.settings_schema import SETTINGS


def test_defaults_validate_clean() -> None:
    clean, errors = s.validate(s.defaults())
    assert errors == {}
    assert clean == s.defaults()


@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_every_key_has_a_label_and_a_default_that_validates(key: str) -> None:
    setting = SETTINGS[key]
    assert setting.label.strip(), f"{key} has no label for the settings form"
    assert s.coerce_value(setting, setting.default) == setting.default


def test_out_of_range_int_gets_the_fields_own_message() -> None:
    _, errors = s.validate({"parameters": {"count": 2501}})
    assert errors == {"parameters.count": "Must be between 1 and 2500."}
    _, errors = s.validate({"parameters.count": 0})
    assert errors["parameters.count"] == "Must be between 1 and 2500."


def test_text_numbers_are_accepted_and_words_are_not() -> None:
    clean, errors = s.validate({"parameters.count": " 12 ", "processing.saturation": "1.2"})
    assert errors == {}
    assert clean["parameters"]["count"] == 12
    assert clean["processing"]["saturation"] == pytest.approx(1.2)
    _, errors = s.validate({"parameters.count": "lots", "parameters.variations": 1.5,
                            "parameters.concurrency": True})
    assert errors["parameters.count"] == "Enter a number."
    assert errors["parameters.variations"] == "Enter a whole number."
    assert errors["parameters.concurrency"] == "Enter a number."
    _, errors = s.validate({"processing.saturation": "nan", "processing.sharpening": float("inf")})
    assert errors == {"processing.saturation": "Enter a number.", "processing.sharpening": "Enter a number."}


def test_bad_choice_lists_the_allowed_values() -> None:
    _, errors = s.validate({"processing.convert_format": "gif"})
    assert errors == {"processing.convert_format": "Choose one of: png, jpg, webp."}


def test_urls_need_a_scheme_and_lose_their_trailing_slash() -> None:
    clean, errors = s.validate({"providers.runware_base_url": "http://127.0.0.1:9000/"})
    assert errors == {}
    assert clean["providers"]["runware_base_url"] == "http://127.0.0.1:9000"
    _, errors = s.validate({"providers.openai_base_url": "api.openai.com/v1"})
    assert errors == {"providers.openai_base_url": "Enter a full http(s):// address."}


def test_keywords_min_above_max_is_refused() -> None:
    _, errors = s.validate({"metadata": {"keywords_min": 30, "keywords_max": 20}})
    assert errors == {"metadata.keywords_min": "Must not exceed the maximum."}


def test_too_many_images_in_one_job_is_refused() -> None:
    _, errors = s.validate({"parameters": {"count": 2500, "variations": 5}})
    assert errors == {"parameters.count": "Generations × variations must stay within 10,000 images."}
    _, errors = s.validate({"parameters": {"count": 2500, "variations": 4}})
    assert errors == {}


def test_the_image_cap_counts_the_four_images_piapi_keeps_per_task() -> None:
    # Five variations on PiAPI are two tasks: eight images rendered, billed and kept per generation.
    _, errors = s.validate({"parameters": {"provider": "piapi", "count": 2000, "variations": 5}})
    assert errors == {"parameters.count": "Generations × variations must stay within 10,000 images "
                                          "(PiAPI keeps 4 per task)."}
    _, errors = s.validate({"parameters": {"provider": "piapi", "count": 1250, "variations": 5}})
    assert errors == {}
    _, errors = s.validate({"parameters": {"provider": "runware", "count": 2000, "variations": 5}})
    assert errors == {}


def test_dimensions_must_be_width_x_height() -> None:
    clean, errors = s.validate({"parameters.runware_dimensions_csv": "1024x1024, 1280X720"})
    assert errors == {}
    _, errors = s.validate({"parameters.runware_dimensions_csv": "1024x1024,wide"})
    assert errors == {"parameters.runware_dimensions_csv": "'wide' is not WIDTHxHEIGHT."}


def test_lora_weight_must_be_within_runwares_range_when_lora_is_on() -> None:
    on = {"parameters.lora_enabled": True}
    _, errors = s.validate({**on, "parameters.lora": "civitai:144142@160130:0.8\ncivitai:1@2:-4"})
    assert errors == {}
    _, errors = s.validate({**on, "parameters.lora": "civitai:144142@160130:5"})
    assert errors == {"parameters.lora": "LoRA weight 5 for civitai:144142@160130 is out of range: Runware takes "
                                         "-4 to 4."}
    _, errors = s.validate({"parameters.lora_enabled": False, "parameters.lora": "civitai:1@2:5"})
    assert errors == {}  # a list that is switched off is never sent


def test_validated_raises_with_the_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        s.validated({"parameters.count": 0})
    assert caught.value.fields == {"parameters.count": "Must be between 1 and 2500."}
    assert caught.value.to_dict()["code"] == "validation_error"


def test_unknown_keys_from_older_versions_are_dropped() -> None:
    clean, errors = s.validate({"parameters": {"count": 3, "retired_option": "x"}})
    assert errors == {}
    assert "retired_option" not in clean["parameters"]


def test_overrides_apply_dotted_keys() -> None:
    result = s.apply_overrides(s.defaults(), ["parameters.concurrency=8", "processing.remove_bg=on"])
    assert result["parameters"]["concurrency"] == 8
    assert result["processing"]["remove_bg"] is True


def test_overrides_refuse_unknown_keys_and_bad_values() -> None:
    with pytest.raises(ValidationError) as caught:
        s.apply_overrides(s.defaults(), ["parameters.nope=1", "no-equals-sign"])
    assert set(caught.value.fields) == {"parameters.nope", "no-equals-sign"}
    assert "Unknown setting" in caught.value.fields["parameters.nope"]
    with pytest.raises(ValidationError) as caught:
        s.apply_overrides(s.defaults(), ["parameters.concurrency=99"])
    assert caught.value.fields == {"parameters.concurrency": "Must be between 1 and 16."}


def test_settings_file_roundtrip(tmp_path: Path) -> None:
    file = s.SettingsFile(tmp_path / "settings.json")
    assert file.load().settings == s.defaults()
    values = s.defaults()
    values["parameters"]["label"] = "Autumn leaves"
    values["processing"]["jpg_quality"] = 77
    file.save(values)
    loaded = file.load()
    assert loaded.notice is None
    assert loaded.settings["parameters"]["label"] == "Autumn leaves"
    assert loaded.settings["processing"]["jpg_quality"] == 77


def test_saving_invalid_settings_leaves_the_file_alone(tmp_path: Path) -> None:
    file = s.SettingsFile(tmp_path / "settings.json")
    file.save(s.defaults())
    before = file.path.read_bytes()
    bad = s.defaults()
    bad["parameters"]["count"] = 99999
    with pytest.raises(ValidationError):
        file.save(bad)
    assert file.path.read_bytes() == before


def test_unreadable_file_gives_defaults_a_notice_and_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    original = b'{"parameters": {"count": 3,'  # cut off mid-write
    path.write_bytes(original)
    loaded = s.SettingsFile(path).load()
    assert loaded.settings == s.defaults()
    assert loaded.notice is not None and "could not be read" in loaded.notice
    backups = list(tmp_path.glob("settings.json.bad-*"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == original
    assert backups[0].name in loaded.notice


def test_a_second_broken_file_never_overwrites_the_first_backup(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b"first broken")
    s.SettingsFile(path).load()
    path.write_bytes(b"second broken")
    s.SettingsFile(path).load()
    kept = sorted(p.read_bytes() for p in tmp_path.glob("settings.json.bad-*"))
    assert kept == [b"first broken", b"second broken"]


def test_out_of_range_saved_value_is_reset_with_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"parameters": {"count": 5000, "label": "kept"}}), encoding="utf-8")
    loaded = s.SettingsFile(path).load()
    assert loaded.settings["parameters"]["count"] == 1
    assert loaded.settings["parameters"]["label"] == "kept"
    assert loaded.notice is not None and "parameters.count" in loaded.notice


def test_labelled_rows_say_not_applied_for_steps_that_are_off() -> None:
    values = s.defaults()  # upload-ready for Adobe Stock: converted to JPG at quality 95
    rows = {(section, label): shown for section, label, shown in s.labelled_rows(values)}
    assert rows[("Processing", "JPG quality")] == "95"
    assert rows[("Processing", "Format")] == "JPG"
    assert rows[("Processing", "Convert format")] == "On"
    values["processing"]["image_convert"] = False
    rows = {(section, label): shown for section, label, shown in s.labelled_rows(values)}
    assert rows[("Processing", "JPG quality")] == "Not applied"
    assert rows[("Processing", "Format")] == "Not applied"
    assert rows[("Processing", "Convert format")] == "Off"


def test_describe_schema_is_json_ready_and_complete() -> None:
    described = s.describe_schema()
    text = json.dumps(described)
    assert json.loads(text) == described
    keys = {item["key"] for section in described for item in section["settings"]}
    assert keys == set(SETTINGS)


@pytest.mark.parametrize("model", ["gpt-4-turbo", "gpt-3.5-turbo", "gpt-4", "gpt-4o-2024-05-13", "o1-mini",
                                   "gpt-image-1"])
def test_a_text_model_known_without_structured_outputs_is_refused_naming_ones_that_work(model: str) -> None:
    _, errors = s.validate({"parameters": {"openai_model": model}})
    message = errors["parameters.openai_model"]
    assert message.startswith(f"{model} cannot answer in a JSON schema")
    assert "gpt-4o, gpt-4o-mini, gpt-4.1" in message


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4o-mini-2024-07-18", "gpt-4.1-mini", "gpt-5-mini", "o4-mini",
                                   "ft:gpt-4o-mini-2024-07-18:acme::abc123",
                                   # Not known here: accepted, OpenAI's own 400 would name the problem.
                                   "gpt-7-preview", "my-azure-deployment"])
def test_supported_and_unknown_text_models_are_accepted(model: str) -> None:
    _, errors = s.validate({"parameters": {"openai_model": model}})
    assert "parameters.openai_model" not in errors


def test_remove_bg_size_defaults_to_full_and_auto_stays_a_choice() -> None:
    assert s.defaults()["processing"]["remove_bg_size"] == "full"
    _, errors = s.validate({"processing": {"remove_bg_size": "auto"}})
    assert errors == {}


@pytest.mark.parametrize("content", [
    b"[" * 200_000 + b"]" * 200_000,  # nested past the JSON decoder's recursion limit
    b'{"a":' * 200_000 + b"1" + b"}" * 200_000,
    b"\xff\xfe\x00\x81 binary junk \x00",
    b"[1, 2, 3]",
    b'"just a string"',
], ids=["deep-list", "deep-object", "binary", "list", "string"])
def test_any_unreadable_file_is_backed_up_and_replaced_by_defaults(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    loaded = s.SettingsFile(path).load()
    assert loaded.settings == s.defaults()
    assert loaded.notice is not None and "could not be read" in loaded.notice
    assert len(loaded.notice) < 400  # one readable sentence, not the junk itself
    backups = list(tmp_path.glob("settings.json.bad-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == content
    assert backups[0].name in loaded.notice
    assert not path.exists()


def test_wrong_types_inside_the_file_are_field_errors_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"file_paths": {"output_directory": 42, "keywords_file": ["a"]},
                                "parameters": {"count": {"x": 1}}, "metadata": [1, 2]}), encoding="utf-8")
    loaded = s.SettingsFile(path).load()
    assert loaded.field_errors is not None
    assert {"file_paths.output_directory", "file_paths.keywords_file", "parameters.count"} <= set(
        loaded.field_errors)
    assert loaded.settings["file_paths"]["output_directory"] == ""


@pytest.mark.parametrize("key", ["file_paths.output_directory", "file_paths.temp_directory"])
def test_a_relative_or_non_text_folder_is_refused_naming_the_setting(key: str) -> None:
    label = SETTINGS[key].label
    for bad in ("images", "./out", 42, ["x"]):
        _, errors = s.validate({key: bad})
        assert key in errors, bad
        assert errors[key].startswith(label)


def test_a_folder_under_a_file_or_unwritable_is_refused(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    _, errors = s.validate({"file_paths.output_directory": str(a_file / "sub")})
    assert "is a file" in errors["file_paths.output_directory"]
    _, errors = s.validate({"file_paths.temp_directory": str(a_file)})
    assert "not a folder" in errors["file_paths.temp_directory"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        _, errors = s.validate({"file_paths.output_directory": str(locked / "new")})
        assert "not writable" in errors["file_paths.output_directory"]
    finally:
        locked.chmod(0o700)


def test_absolute_tilde_and_creatable_folders_are_accepted(tmp_path: Path) -> None:
    clean, errors = s.validate({"file_paths.output_directory": str(tmp_path / "not" / "yet"),
                                "file_paths.temp_directory": "~",
                                "file_paths.keywords_file": str(tmp_path / "k.txt")})
    assert errors == {}
    assert clean["file_paths"]["output_directory"] == str(tmp_path / "not" / "yet")
    assert not (tmp_path / "not").exists()  # validation creates nothing


def test_a_relative_keywords_file_is_refused() -> None:
    _, errors = s.validate({"file_paths.keywords_file": "keywords.txt", "file_paths.system_prompt_file": 7})
    assert set(errors) == {"file_paths.keywords_file", "file_paths.system_prompt_file"}


def test_save_refuses_a_relative_folder_with_the_field_message(tmp_path: Path) -> None:
    file = s.SettingsFile(tmp_path / "settings.json")
    settings = s.defaults()
    settings["file_paths"]["output_directory"] = "out"
    with pytest.raises(ValidationError) as raised:
        file.save(settings)
    assert "file_paths.output_directory" in raised.value.fields
    assert not file.path.exists()
