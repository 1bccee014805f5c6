"""The composition root: a home folder survives restarts, and a damaged settings file is explained."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gif_app.app import AppOptions, build_app
from gif_app.domain import JobStatus
from gif_app.paths import app_home


def test_app_home_comes_from_the_environment(home: Path) -> None:
    assert app_home() == home.resolve()
    assert app_home(home / "other") == (home / "other").resolve()


def test_restart_keeps_settings_keys_and_jobs(home: Path) -> None:
    first = build_app(home, AppOptions(prefer_keychain=False))
    try:
        values = first.api.get_settings()["data"]["settings"]
        values["parameters"]["label"] = "Kept across restarts"
        values["processing"]["remove_bg"] = True
        assert first.api.save_settings(values)["ok"]
        assert first.api.set_key("piapi", "pi-key-0000abcd1234")["ok"]
        job = first.repo.create_execution(label="yesterday", configuration_id=None, settings_snapshot=values,
                                          planned=2, status=JobStatus.COMPLETED)
    finally:
        first.close()

    second = build_app(home, AppOptions(prefer_keychain=False))
    try:
        settings = second.api.get_settings()["data"]["settings"]
        assert settings["parameters"]["label"] == "Kept across restarts"
        assert settings["processing"]["remove_bg"] is True
        piapi = next(k for k in second.api.key_status()["data"] if k["name"] == "piapi")
        assert piapi["is_set"] and piapi["masked"] == "••••1234"
        assert second.repo.get_execution(job.id).label == "yesterday"
        assert second.api.app_info()["data"]["notices"] == []
    finally:
        second.close()


def test_broken_settings_file_is_explained_at_start(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "settings.json").write_text("{ this is not json", encoding="utf-8")
    app = build_app(home, AppOptions(prefer_keychain=False))
    try:
        info = app.api.app_info()["data"]
        assert len(info["notices"]) == 1
        assert "could not be read" in info["notices"][0]
        assert app.api.get_settings()["data"]["settings"]["parameters"]["count"] == 1
        assert [p.name for p in home.glob("settings.json.bad-*")] != []
    finally:
        app.close()


def test_close_is_safe_twice_and_stops_the_server(home: Path) -> None:
    app = build_app(home, AppOptions(prefer_keychain=False))
    url = app.start_server()
    assert app.start_server() == url
    assert httpx.get(url, timeout=10).status_code == 200
    app.close()
    app.close()
    with pytest.raises(httpx.HTTPError):
        httpx.get(url, timeout=2)
