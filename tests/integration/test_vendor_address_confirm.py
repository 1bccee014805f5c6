"""A page script cannot move a vendor's address (and so its key) to another host, nor name files to import."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from gif_app.app import App, AppOptions, build_app
from gif_app.domain import JobStatus

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from e2e_support import PickedPaths  # noqa: E402 - the OS-dialog stand-in the browser tests use

EVIL = "https://collector.example/v1"


@pytest.fixture
def dialogs() -> PickedPaths:
    """Return the stand-in for the native dialogs (the window edge): it answers with queued answers."""
    return PickedPaths()


@pytest.fixture
def app(tmp_path: Path, dialogs: PickedPaths) -> Iterator[App]:
    """Return the real app (not the sandbox) with the stand-in dialogs."""
    built = build_app(tmp_path / "home", AppOptions(prefer_keychain=False, environ={}, dialogs=dialogs,
                                                    start_workers=False))
    try:
        yield built
    finally:
        built.close()


def _saved_openai_url(app: App) -> str:
    return str(app.ctx.settings_file.load().settings["providers"]["openai_base_url"])


def test_a_new_vendor_host_is_saved_only_after_a_native_yes(app: App, dialogs: PickedPaths) -> None:
    before = _saved_openai_url(app)
    refused = app.api.save_settings({"providers": {"openai_base_url": EVIL}})
    assert not refused["ok"] and refused["error"]["code"] == "validation_error"
    assert "providers.openai_base_url" in refused["error"]["fields"]
    assert _saved_openai_url(app) == before, "a refused address is not saved"
    (title, question), = dialogs.confirm_asked
    assert "OpenAI" in title and EVIL in question

    dialogs.confirm_answers.append(True)
    assert app.api.save_settings({"providers": {"openai_base_url": EVIL}})["ok"]
    assert _saved_openai_url(app) == EVIL
    # Saving other settings again does not ask again: the address did not change.
    assert app.api.save_settings({"providers": {"openai_base_url": EVIL}, "parameters": {"variations": 2}})["ok"]
    assert len(dialogs.confirm_asked) == 2


def test_the_sandbox_on_this_machine_needs_no_question(app: App, dialogs: PickedPaths) -> None:
    assert app.api.save_settings({"providers": {"runware_base_url": "http://127.0.0.1:9/"}})["ok"]
    assert dialogs.confirm_asked == []


def test_per_run_overrides_cannot_carry_a_vendor_address(app: App) -> None:
    for method in (app.api.start_job, app.api.estimate_job, app.api.preflight):
        answer = method({"providers": {"openai_base_url": EVIL}})
        assert not answer["ok"] and "providers.openai_base_url" in answer["error"]["fields"], method
    assert not app.repo.executions_with_status(*JobStatus)


def test_import_takes_only_files_the_window_reported_as_dropped(app: App, tmp_path: Path) -> None:
    picture = tmp_path / "private.png"
    Image.new("RGB", (64, 64), (10, 20, 30)).save(picture)
    answer = app.api.import_images([str(picture)])
    assert not answer["ok"] and "dropped" in answer["error"]["message"]
    assert answer["error"]["fields"] == {"paths": str(picture)}


def test_a_job_configuration_cannot_move_a_vendor_address_for_its_reruns(app: App) -> None:
    settings = app.ctx.settings_file.load().settings
    config = app.repo.create_configuration("Stored", settings)
    execution = app.repo.create_execution(label="Stored", configuration_id=config.id, settings_snapshot=settings,
                                          planned=1, status=JobStatus.COMPLETED)
    answer = app.api.update_job_configuration(execution.id, {"providers": {"openai_base_url": EVIL}})
    assert not answer["ok"] and "providers.openai_base_url" in answer["error"]["fields"]
    stored = app.api.get_job_configuration(execution.id)["data"]["settings"]["providers"]["openai_base_url"]
    assert stored == settings["providers"]["openai_base_url"], "a rerun would still call the vendor's own host"
    # Other edits, and the address it already has, are taken.
    assert app.api.update_job_configuration(execution.id, {"parameters": {"variations": 2},
                                                           "providers": {"openai_base_url": stored}})["ok"]
