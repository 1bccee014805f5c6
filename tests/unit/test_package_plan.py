"""tools/package.py's decisions: the .deb's layout and control fields, maintainer scripts, signing per secrets."""

from __future__ import annotations

import plistlib
import re
from pathlib import Path

from tools import package

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Path("/work/dist/gif-app")
NOTARY = {"MACOS_NOTARY_APPLE_ID": "dev@example.com", "MACOS_NOTARY_TEAM_ID": "ABCDE12345",
          "MACOS_NOTARY_PASSWORD": "app-specific"}


def test_deb_installs_the_bundle_under_opt_a_command_the_menu_entry_and_every_icon() -> None:
    layout = {entry.target: entry for entry in package.deb_layout(BUNDLE)}
    assert layout["/opt/gif-app"].source == BUNDLE
    command = layout["/usr/bin/gif-app"]
    assert command.mode == 0o755 and command.text is not None
    assert command.text.startswith("#!/bin/sh\n") and 'exec /opt/gif-app/gif-app "$@"' in command.text
    for size in package.ICON_SIZES:
        icon = layout[f"/usr/share/icons/hicolor/{size}x{size}/apps/gif-app.png"]
        assert icon.source is not None and icon.source.is_file() and icon.mode == 0o644
    assert layout["/usr/share/icons/hicolor/scalable/apps/gif-app.svg"].source == ROOT / "build" / "icon.svg"
    # Nothing outside the package's own places: no /etc conffiles, nothing in a home folder.
    assert all(t.startswith(("/opt/gif-app", "/usr/bin/", "/usr/share/applications/", "/usr/share/icons/hicolor/"))
               for t in layout)


def test_installed_menu_entry_runs_the_installed_command_and_keeps_the_rest() -> None:
    template = (ROOT / "build" / "linux" / "gif-app.desktop").read_text(encoding="utf-8")
    entry = package.installed_desktop_entry(template)
    assert "Exec=/usr/bin/gif-app\n" in entry and "TryExec=/usr/bin/gif-app\n" in entry
    assert "Icon=gif-app\n" in entry and "Name=Gen Image Factory\n" in entry
    assert package.installed_desktop_entry("Exec=gif-app %F\n") == "Exec=/usr/bin/gif-app %F\n"


def test_control_fields_carry_version_architecture_size_and_satisfiable_depends() -> None:
    fields = package.control_fields("1.2.3", "arm64", 912345)
    assert list(fields)[:6] == ["Package", "Version", "Section", "Priority", "Architecture", "Installed-Size"]
    assert (fields["Package"], fields["Version"], fields["Architecture"]) == ("gif-app", "1.2.3", "arm64")
    assert fields["Installed-Size"] == "912345" and fields["Maintainer"]
    depends = [d.strip() for d in fields["Depends"].split(",")]
    # Ubuntu 24.04 only has libasound2t64, Debian 12 and Ubuntu 22.04 only libasound2.
    assert "libasound2t64 | libasound2" in depends and "libasound2" not in depends
    assert {"libnss3", "libxcb-cursor0", "libxkbcommon-x11-0", "libegl1", "libgl1"} <= set(depends)
    # CI builds the bundle on Ubuntu 22.04 and apt-installs one real name per dependency there.
    build = package.build_machine_packages()
    assert len(build) == len(depends) and "libasound2" in build and not any("|" in name for name in build)
    text = package.render_control(fields)
    # A multi-line field continues with a leading space, and the file ends with a newline.
    assert re.search(r"^Description: .+\n .+", text, re.M) and text.endswith("\n")
    assert all(re.match(r"^([A-Z][A-Za-z-]+: .+| .+)$", line) for line in text.splitlines())


def test_installed_size_counts_each_file_in_whole_kibibytes() -> None:
    assert package.installed_size_kib([1, 1024, 1025]) == 1 + 1 + 2
    assert package.installed_size_kib([]) == 1


def test_version_comes_from_pyproject_and_names_the_deb() -> None:
    version = package.project_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert package.deb_file_name(version, "amd64") == f"gif-app_{version}_amd64.deb"


def test_dpkg_deb_builds_root_owned_without_fakeroot() -> None:
    command = package.dpkg_deb_command(Path("/s"), Path("/o/x.deb"))
    assert command[0] == "dpkg-deb" and "--root-owner-group" in command and "-z9" in command
    assert command[-3:] == ["--build", "/s", "/o/x.deb"]


def test_maintainer_scripts_refresh_caches_only_when_the_tools_exist_and_never_touch_home() -> None:
    scripts = package.maintainer_scripts()
    assert set(scripts) == {"postinst", "postrm"}
    for text in scripts.values():
        assert text.startswith("#!/bin/sh\nset -e\n") and text.endswith("exit 0\n")
        assert "command -v update-desktop-database" in text and "command -v gtk-update-icon-cache" in text
        assert "HOME" not in text and "GenImageFactory" not in text and ".local" not in text
    # Runtime leftovers go on remove and purge, but not when the old version's postrm runs during an upgrade.
    assert "remove|purge) rm -rf /opt/gif-app ;;" in scripts["postrm"]
    assert "rm -rf" not in scripts["postinst"]


def test_windows_signs_only_with_both_secrets() -> None:
    signed = package.signing_plan("win32", {"WINDOWS_SIGN_PFX": "c.pfx", "WINDOWS_SIGN_PASSWORD": "pw"})
    assert signed == package.SigningPlan(("signtool",), ())
    half = package.signing_plan("win32", {"WINDOWS_SIGN_PFX": "c.pfx", "WINDOWS_SIGN_PASSWORD": ""})
    assert half.steps == () and half.skipped[0].startswith("signtool: skipped")


def test_macos_signs_with_an_identity_and_notarises_only_with_all_notary_secrets() -> None:
    nothing = package.signing_plan("darwin", {})
    assert nothing.steps == () and [line.split(":")[0] for line in nothing.skipped] == ["codesign", "notarytool"]
    sign_only = package.signing_plan("darwin", {"MACOS_SIGN_IDENTITY": "Developer ID Application: X"})
    assert sign_only.steps == ("codesign",) and "notarytool: skipped" in sign_only.skipped[0]
    # Notary secrets without a signing identity notarise nothing: Apple rejects unsigned apps.
    assert package.signing_plan("darwin", NOTARY).steps == ()
    full = package.signing_plan("darwin", {"MACOS_SIGN_IDENTITY": "Developer ID Application: X", **NOTARY})
    assert full == package.SigningPlan(("codesign", "notarytool", "stapler"), ())
    assert package.signing_plan("linux", {"MACOS_SIGN_IDENTITY": "x", **NOTARY}) == package.SigningPlan((), ())


def test_signing_and_installer_command_lines() -> None:
    app = Path("dist/Gen Image Factory.app")
    entitlements = ROOT / "build" / "macos" / "entitlements.plist"
    codesign = package.codesign_command("Developer ID Application: X", app, entitlements)
    assert codesign[:1] == ["codesign"] and codesign[-1] == str(app)
    assert "--options" in codesign and codesign[codesign.index("--options") + 1] == "runtime"
    assert "--timestamp" in codesign and codesign[codesign.index("--entitlements") + 1] == str(entitlements)
    assert "--entitlements" not in package.codesign_command("X", Path("a.dmg"), None)
    notary = package.notarytool_command(NOTARY, Path("a.dmg"))
    assert notary[:4] == ["xcrun", "notarytool", "submit", "a.dmg"] and "--wait" in notary
    assert package.hdiutil_command(Path("stage"), Path("a.dmg"))[:2] == ["hdiutil", "create"]
    sign = package.signtool_command("c.pfx", "pw", Path("gif-app.exe"))
    assert sign[:2] == ["signtool", "sign"] and "/tr" in sign and sign[-1] == "gif-app.exe"
    iscc = package.iscc_command("iscc", ROOT / "build" / "windows" / "gif-app.iss", "1.2.3", Path("d"), Path("o"))
    assert "/DAppVersion=1.2.3" in iscc and iscc[-1].endswith("gif-app.iss")


def test_entitlements_allow_what_numba_and_onnxruntime_need_under_the_hardened_runtime() -> None:
    with (ROOT / "build" / "macos" / "entitlements.plist").open("rb") as handle:
        entitlements = plistlib.load(handle)
    assert entitlements == {"com.apple.security.cs.allow-jit": True,
                            "com.apple.security.cs.allow-unsigned-executable-memory": True,
                            "com.apple.security.cs.disable-library-validation": True}


def test_inno_setup_script_installs_per_user_with_menu_entry_uninstaller_and_optional_desktop_icon() -> None:
    script = (ROOT / "build" / "windows" / "gif-app.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=lowest" in script
    assert r"DefaultDirName={localappdata}\Programs" in script
    assert "AppVersion={#AppVersion}" in script and "#error" in script  # the version only comes from /D
    assert re.search(r"^Name: \"\{autoprograms\}\\\{#AppName\}\"", script, re.M)
    assert re.search(r"^Name: \"desktopicon\".*Flags: unchecked", script, re.M)
    assert re.search(r"^Name: \"\{autodesktop\}.*Tasks: desktopicon", script, re.M)
    assert "UninstallDisplayIcon=" in script and "Uninstallable=no" not in script
