"""The API boundary: one envelope for every answer, per-field messages, keys only ever masked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gif_app.api import Api
from gif_app.api.envelope import envelope
from gif_app.app import App, AppOptions, build_app
from gif_app.errors import NotFoundError

KEY = "sk-proj-QwErTyUiOp0987654321zz"


@pytest.fixture
def app(home: Path) -> Iterator[App]:
    built = build_app(home, AppOptions(prefer_keychain=False))
    yield built
    built.close()


@pytest.fixture
def api(app: App) -> Api:
    return app.api


def test_app_error_becomes_an_error_envelope() -> None:
    @envelope
    def missing() -> None:
        raise NotFoundError("Job 42 does not exist.")

    assert missing() == {"ok": False, "error": {"code": "not_found", "message": "Job 42 does not exist."}}


def test_unexpected_exception_is_internal_error_without_its_text(caplog: pytest.LogCaptureFixture) -> None:
    @envelope
    def broken() -> None:
        raise RuntimeError("/home/alice/private/path exploded")

    answer = broken()
    assert answer["ok"] is False
    assert answer["error"]["code"] == "internal_error"
    assert "exploded" not in json.dumps(answer)
    assert "exploded" in caplog.text  # the details go to the log for the bug report


def test_success_is_wrapped_in_data(api: Api) -> None:
    answer = api.app_info()
    assert answer["ok"] is True
    assert answer["data"]["name"] == "Gen Image Factory"
    assert answer["data"]["key_backend"] == "file"
    assert answer["data"]["notices"] == []


def test_validation_error_carries_the_fields(api: Api) -> None:
    answer = api.validate_settings({"parameters": {"count": 0}})
    assert answer == {"ok": True, "data": {"errors": {"parameters.count": "Must be between 1 and 2500."}}}
    refused = api.save_settings("count=3")
    assert refused["ok"] is False and refused["error"]["code"] == "validation_error"
    assert refused["error"]["fields"] == {}


def test_out_of_range_save_is_refused_and_the_file_is_unchanged(api: Api, app: App) -> None:
    values = api.get_settings()["data"]["settings"]
    values["parameters"]["label"] = "Spring"
    assert api.save_settings(values)["ok"] is True
    before = app.home.settings_file.read_bytes()
    values["parameters"]["count"] = 2501
    values["parameters"]["label"] = "Summer"
    answer = api.save_settings(values)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "validation_error"
    assert answer["error"]["fields"] == {"parameters.count": "Must be between 1 and 2500."}
    assert app.home.settings_file.read_bytes() == before
    assert api.get_settings()["data"]["settings"]["parameters"]["label"] == "Spring"


def test_set_key_then_status_shows_only_the_mask(api: Api) -> None:
    answer = api.set_key("openai", KEY)
    assert answer["ok"] is True
    status = api.key_status()
    assert KEY not in json.dumps(status)
    openai = next(item for item in status["data"] if item["name"] == "openai")
    assert openai == {"name": "openai", "label": "OpenAI", "is_set": True, "masked": "••••21zz",
                      "source": "file", "env_var": "OPENAI_API_KEY"}


def test_unknown_key_name_is_a_validation_error(api: Api) -> None:
    answer = api.set_key("midjourney", KEY)
    assert answer["ok"] is False and answer["error"]["code"] == "validation_error"
    assert KEY not in json.dumps(answer)


def test_keys_never_reach_the_database_or_the_settings_file(api: Api, app: App) -> None:
    assert api.set_key("runware", KEY)["ok"]
    values = api.get_settings()["data"]["settings"]
    values["parameters"]["label"] = "with a key set"
    assert api.save_settings(values)["ok"]
    app.repo.create_execution(label="job", configuration_id=None, settings_snapshot=values, planned=1)
    needle = KEY.encode()
    files = [p for p in app.home.root.glob("gif_app.db*") if p.is_file()]
    assert app.home.database in files
    for path in [*files, app.home.settings_file]:
        assert needle not in path.read_bytes(), f"the key leaked into {path.name}"
    assert needle in app.home.keys_file.read_bytes()


def test_reset_settings_can_keep_or_clear_keys(api: Api) -> None:
    values = api.get_settings()["data"]["settings"]
    values["parameters"]["concurrency"] = 9
    assert api.save_settings(values)["ok"]
    api.set_key("removebg", KEY)
    kept = api.reset_settings(keep_keys=True)
    assert kept["ok"] and kept["data"]["settings"]["parameters"]["concurrency"] == 4
    assert _is_set(api, "removebg")
    cleared = api.reset_settings(keep_keys=False)
    assert cleared["ok"]
    assert not _is_set(api, "removebg")


def _is_set(api: Api, name: str) -> bool:
    return bool(next(item for item in api.key_status()["data"] if item["name"] == name)["is_set"])


def test_pick_path_without_a_window_is_cancelled(api: Api) -> None:
    assert api.pick_path("file", ["txt"]) == {"ok": True, "data": {"path": None}}
    assert api.pick_path("device")["error"]["code"] == "validation_error"


def test_validate_path_explains_the_problem(api: Api, tmp_path: Path) -> None:
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("cat\n", encoding="utf-8")
    assert api.validate_path(str(keywords), "file")["data"] == {"ok": True, "message": "File found."}
    missing = api.validate_path(str(tmp_path / "nope.txt"), "file")["data"]
    assert missing == {"ok": False, "message": "No file at this path."}
    assert api.validate_path(str(keywords), "dir")["data"]["ok"] is False


@pytest.mark.parametrize(("method", "args", "field"), [
    ("list_images", ({"page": "abc"},), "page"),
    ("list_jobs", ({"page_size": "lots"},), "page_size"),
    ("list_failed", ("failed", {"execution_ids": ["x"]}), "execution_ids"),
    ("get_job", ("seven",), "execution_id"),
    ("get_image", (True,), "image_id"),
    ("delete_jobs", ("all",), "execution_ids"),
    ("retry_images", ([1.5],), "image_ids"),
    ("get_logs", (1, {"limit": "many"}), "limit"),
    ("list_jobs", ("page=2",), "query"),
])
def test_a_malformed_argument_is_a_validation_error(api: Api, method: str, args: tuple[object, ...],
                                                     field: str) -> None:
    answer = getattr(api, method)(*args)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "validation_error", answer
    assert field in answer["error"]["message"]


def test_a_wrong_number_of_arguments_is_a_validation_error(api: Api) -> None:
    too_many = api.app_info(1, 2)
    too_few = api.rename_job(1)
    for answer in (too_many, too_few):
        assert answer["ok"] is False and answer["error"]["code"] == "validation_error"
    assert "app_info" in too_many["error"]["message"]
