"""Small command-line entries: the sandbox servers alone, and the effective settings as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx


def test_sandbox_serve_prints_each_vendor_and_answers(tmp_path: Path) -> None:
    env = {**os.environ, "GIF_APP_HOME": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "gif_app", "sandbox", "serve"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().split() for _ in range(4)]
        urls = dict(lines)
        assert sorted(urls) == ["openai", "piapi", "removebg", "runware"]
        account = httpx.get(f"{urls['removebg']}/v1.0/account", headers={"X-Api-Key": "k"}, timeout=10)
        assert account.status_code == 200 and "credits" in account.json()["data"]["attributes"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_settings_show_prints_every_key_and_no_secret(tmp_path: Path) -> None:
    env = {**os.environ, "GIF_APP_HOME": str(tmp_path), "OPENAI_API_KEY": "sk-canary-ABCDEFGH12345678"}
    result = subprocess.run([sys.executable, "-m", "gif_app", "settings", "show", "--defaults"],
                            capture_output=True, text=True, env=env, timeout=60, check=True)
    settings = json.loads(result.stdout)
    assert settings["parameters"]["concurrency"] == 4
    assert "sk-canary" not in result.stdout
