"""The CI workflow (it cannot run here): tests on three OSes, every installer self-tested as shipped, releases."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OSES = ("Linux", "Windows", "macOS")
# How each OS's self-test reaches the shipped artefact rather than the bare bundle in dist/.
SHIPPED = {
    "Linux": ("sudo apt-get install -y ./dist/gif-app_*.deb", "/usr/bin/gif-app --self-test"),
    "Windows": ("Start-Process $setup.FullName", 'Start-Process "$app\\gif-app.exe"'),
    "macOS": ("hdiutil attach dist/*.dmg", '"$mount/Gen Image Factory.app/Contents/MacOS/gif-app"'),
}


def _workflow() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / ".github" / "workflows" / "build.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _steps_for(job: dict[str, Any], os_name: str) -> list[dict[str, Any]]:
    """Return the job's steps that run on this OS (no condition, or a runner.os condition that admits it)."""
    chosen = []
    for step in job["steps"]:
        condition = str(step.get("if", ""))
        equal = re.findall(r"runner\.os == '(\w+)'", condition)
        not_equal = re.findall(r"runner\.os != '(\w+)'", condition)
        if (not equal or os_name in equal) and os_name not in not_equal:
            chosen.append(step)
    return chosen


def _runs(steps: list[dict[str, Any]]) -> list[str]:
    return [str(step.get("run", "")) for step in steps]


def test_the_suite_runs_on_linux_windows_and_macos_with_the_documented_commands() -> None:
    workflow = _workflow()
    assert workflow["env"]["CI"] == "true"
    test = workflow["jobs"]["test"]
    oses = test["strategy"]["matrix"]["os"]
    assert {o.split("-")[0] for o in oses} == {"ubuntu", "windows", "macos"}
    commands = {"Linux": "make test", "macOS": "make test", "Windows": "py -3.11 tools\\dev.py test"}
    for os_name, command in commands.items():
        runs = _runs(_steps_for(test, os_name))
        assert [r for r in runs if r.strip().endswith(command)], f"{os_name} does not run `{command}`"
    for os_name in ("Windows", "macOS"):
        steps = _steps_for(test, os_name)
        assert any(s.get("uses", "").startswith("browser-actions/setup-chrome@") for s in steps)
        assert any("GIF_CHROMIUM=" in r for r in _runs(steps))


def test_every_installer_is_built_then_self_tested_as_shipped_on_its_os() -> None:
    installer = _workflow()["jobs"]["installer"]
    assert installer["needs"] == "test"
    labels = {entry["label"] for entry in installer["strategy"]["matrix"]["include"]}
    assert labels == {"linux-x86_64", "windows-x64", "macos-arm64", "macos-x86_64"}  # Intel Macs too
    for os_name in OSES:
        runs = _runs(_steps_for(installer, os_name))
        built = [i for i, r in enumerate(runs) if "make package" in r or re.search(r"tools.package\.py$", r.strip())]
        assert built, f"no installer step on {os_name}"
        install, self_test = SHIPPED[os_name]
        tested = [i for i, r in enumerate(runs) if install in r and self_test in r and "--self-test" in r]
        assert tested and min(tested) > max(built), f"{os_name}'s installer is not self-tested after it is built"


def test_signing_steps_run_only_when_their_secrets_exist() -> None:
    installer = _workflow()["jobs"]["installer"]
    for step in installer["steps"]:
        if "Signing" in step.get("name", ""):
            assert re.search(r"env\.HAS_(WINDOWS|MACOS)_SIGNING == 'true'", step["if"]), step["name"]
    assert "secrets.WINDOWS_SIGN_PFX_BASE64 != ''" in installer["env"]["HAS_WINDOWS_SIGNING"]
    assert "secrets.MACOS_CERT_P12_BASE64 != ''" in installer["env"]["HAS_MACOS_SIGNING"]


def test_tags_release_the_uploaded_installers() -> None:
    workflow = _workflow()
    assert "v*" in workflow[True]["push"]["tags"]  # YAML 1.1 reads the key `on` as True
    upload = [s for s in workflow["jobs"]["installer"]["steps"] if s.get("uses", "").startswith("actions/upload")]
    assert upload and upload[0]["with"]["path"] == "${{ matrix.installer }}"
    release = workflow["jobs"]["release"]
    assert release["needs"] == "installer" and release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    uses = [s["uses"] for s in release["steps"]]
    assert uses == ["actions/download-artifact@v4", "softprops/action-gh-release@v2"]
