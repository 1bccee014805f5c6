"""Build the platform installer (.deb, Inno Setup setup.exe or .dmg) from the one-folder bundle in dist/.

Run it as `make package` or `python tools/package.py` after `make bundle`. The decisions (the .deb's file
layout, its control fields, which signing step runs for which environment variables, the command lines) are
pure functions; the few `build_*` functions run them. Signing and notarisation run only when their secrets
are in the environment; otherwise a line says they were skipped.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

try:  # run as a script (python tools/package.py): tools/ is on the path
    from devkit.sysdeps import QT_DEBS
except ImportError:  # imported as tools.package (the tests)
    from tools.devkit.sysdeps import QT_DEBS

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "build"
PACKAGE = "gif-app"
APP_NAME = "Gen Image Factory"
INSTALL_DIR = "/opt/gif-app"
COMMAND = "/usr/bin/gif-app"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
MAINTAINER = "Gen Image Factory <support@genimagefactory.invalid>"
# Qt WebEngine's runtime libraries: the one list the two commands install (tools/devkit/sysdeps.py), with its
# alternatives ("libasound2t64|libasound2": Ubuntu 24.04 renamed it) written the way a control file spells them.
DEPENDS = tuple(name.replace("|", " | ") for name in QT_DEBS)
# Each tool is optional (a server has neither), and a failed refresh must not leave the package half-configured.
_REFRESH = """if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
"""
# Started as root, Qt WebEngine creates folders inside the install tree (PySide6/Qt/resources/locales) that
# are not in the package, so dpkg would leave /opt/gif-app behind. The data folder is in the user's home.
_REMOVE_LEFTOVERS = f"""case "$1" in
  remove|purge) rm -rf {INSTALL_DIR} ;;
esac
"""
# A wrapper rather than a symlink: the bundle finds _internal/ next to the file it was started as.
WRAPPER_SCRIPT = f'#!/bin/sh\nexec {INSTALL_DIR}/gif-app "$@"\n'
# Secrets, each a workflow secret exported as an environment variable of the same name.
WINDOWS_SIGN_VARS = ("WINDOWS_SIGN_PFX", "WINDOWS_SIGN_PASSWORD")
MACOS_SIGN_VARS = ("MACOS_SIGN_IDENTITY",)
MACOS_NOTARY_VARS = ("MACOS_NOTARY_APPLE_ID", "MACOS_NOTARY_TEAM_ID", "MACOS_NOTARY_PASSWORD")


@dataclass(frozen=True)
class DebEntry:
    """One thing the .deb installs: a copied file or tree, a written text file, or a symlink."""

    target: str  # absolute path on the installed system
    source: Path | None = None  # file or folder to copy
    text: str | None = None  # content to write
    mode: int = 0o644


@dataclass(frozen=True)
class SigningPlan:
    """Which signing steps run, and one printed line for each one skipped."""

    steps: tuple[str, ...]
    skipped: tuple[str, ...]


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """Return the version in pyproject.toml."""
    with pyproject.open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def installed_desktop_entry(template: str, command: str = COMMAND) -> str:
    """Return the .desktop entry with Exec and TryExec pointing at the installed command."""
    lines = []
    for line in template.splitlines():
        key = line.split("=", 1)[0]
        if key == "Exec":
            args = line.split("=", 1)[1].split()[1:]
            line = "Exec=" + " ".join([command, *args])
        elif key == "TryExec":
            line = f"TryExec={command}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def deb_layout(bundle: Path, assets: Path = ASSETS) -> list[DebEntry]:
    """Return what the .deb installs: the bundle under /opt, the command, the menu entry and the icons."""
    desktop = (assets / "linux" / "gif-app.desktop").read_text(encoding="utf-8")
    entries = [
        DebEntry(INSTALL_DIR, source=bundle),
        DebEntry(COMMAND, text=WRAPPER_SCRIPT, mode=0o755),
        DebEntry("/usr/share/applications/gif-app.desktop", text=installed_desktop_entry(desktop)),
        DebEntry("/usr/share/icons/hicolor/scalable/apps/gif-app.svg", source=assets / "icon.svg"),
    ]
    entries += [DebEntry(f"/usr/share/icons/hicolor/{size}x{size}/apps/gif-app.png",
                         source=assets / "icons" / f"gif-app-{size}.png") for size in ICON_SIZES]
    return entries


def maintainer_scripts() -> dict[str, str]:
    """Return DEBIAN/postinst and postrm: refresh the menu and icon caches; remove runtime leftovers."""
    head = "#!/bin/sh\nset -e\n"
    return {"postinst": head + _REFRESH + "exit 0\n", "postrm": head + _REMOVE_LEFTOVERS + _REFRESH + "exit 0\n"}


def installed_size_kib(sizes: Sequence[int]) -> int:
    """Return Installed-Size: the sum of the file sizes in KiB, each rounded up (an estimate, as Policy allows)."""
    return sum(-(-size // 1024) for size in sizes) or 1


def control_fields(version: str, arch: str, installed_kib: int) -> dict[str, str]:
    """Return the fields of DEBIAN/control, in the order dpkg writes them."""
    return {
        "Package": PACKAGE,
        "Version": version,
        "Section": "graphics",
        "Priority": "optional",
        "Architecture": arch,
        "Installed-Size": str(installed_kib),
        "Depends": ", ".join(DEPENDS),
        "Maintainer": MAINTAINER,
        "Description": "Gen Image Factory: keyword file to finished stock images\n"
                       " Desktop app that turns a keyword file into generated, checked, captioned and\n"
                       " keyworded stock images, ready for upload. Installs under /opt/gif-app.",
    }


def build_machine_packages(depends: Sequence[str] = DEPENDS) -> list[str]:
    """Return one apt name per dependency, the last alternative: the oldest name, which CI's Ubuntu 22.04 has."""
    return [dependency.split("|")[-1].strip() for dependency in depends]


def render_control(fields: Mapping[str, str]) -> str:
    """Return the control file text for these fields."""
    return "".join(f"{key}: {value}\n" for key, value in fields.items())


def deb_file_name(version: str, arch: str) -> str:
    """Return Debian's conventional file name, gif-app_<version>_<arch>.deb."""
    return f"{PACKAGE}_{version}_{arch}.deb"


def dpkg_deb_command(staging: Path, output: Path, level: int = 9) -> list[str]:
    """Return the dpkg-deb line: root-owned files without fakeroot; gzip, which every dpkg reads, and fast."""
    return ["dpkg-deb", "--root-owner-group", "-Zgzip", f"-z{level}", "--build", str(staging), str(output)]


def signing_plan(system: str, env: Mapping[str, str]) -> SigningPlan:
    """Return the signing steps that run on `system` ("linux", "win32", "darwin") given these variables."""
    def has(names: Sequence[str]) -> bool:
        return all(env.get(name) for name in names)

    if system == "win32":
        if has(WINDOWS_SIGN_VARS):
            return SigningPlan(("signtool",), ())
        return SigningPlan((), (f"signtool: skipped ({' and '.join(WINDOWS_SIGN_VARS)} not set)",))
    if system == "darwin":
        if not has(MACOS_SIGN_VARS):
            return SigningPlan((), (f"codesign: skipped ({MACOS_SIGN_VARS[0]} not set)",
                                    "notarytool: skipped (nothing signed to notarise)"))
        if not has(MACOS_NOTARY_VARS):
            return SigningPlan(("codesign",), (f"notarytool: skipped ({', '.join(MACOS_NOTARY_VARS)} not set)",))
        return SigningPlan(("codesign", "notarytool", "stapler"), ())
    return SigningPlan((), ())  # a .deb is trusted through the apt repository that serves it, not signed itself


def signtool_command(pfx: str, password: str, target: Path) -> list[str]:
    """Return the signtool line: SHA-256 digest and an RFC 3161 timestamp so the signature outlives the cert."""
    return ["signtool", "sign", "/f", pfx, "/p", password, "/fd", "sha256", "/tr", "http://timestamp.digicert.com",
            "/td", "sha256", str(target)]


def iscc_command(iscc: str, script: Path, version: str, source: Path, output: Path) -> list[str]:
    """Return the Inno Setup compiler line; the version and folders come in as /D defines."""
    return [iscc, f"/DAppVersion={version}", f"/DSourceDir={source}", f"/DOutputDir={output}",
            f"/DOutputBase={PACKAGE}_{version}_x64-setup", str(script)]


def codesign_command(identity: str, target: Path, entitlements: Path | None) -> list[str]:
    """Return the codesign line: hardened runtime (notarisation needs it), a timestamp, the entitlements."""
    command = ["codesign", "--force", "--timestamp", "--options", "runtime", "--sign", identity]
    if entitlements is not None:
        # --deep signs the Python extensions and dylibs inside the bundle with the same identity.
        command += ["--deep", "--entitlements", str(entitlements)]
    return [*command, str(target)]


def notarytool_command(env: Mapping[str, str], dmg: Path) -> list[str]:
    """Return the notarytool line that uploads the DMG and waits for Apple's verdict."""
    return ["xcrun", "notarytool", "submit", str(dmg), "--apple-id", env["MACOS_NOTARY_APPLE_ID"],
            "--team-id", env["MACOS_NOTARY_TEAM_ID"], "--password", env["MACOS_NOTARY_PASSWORD"], "--wait"]


def hdiutil_command(folder: Path, dmg: Path) -> list[str]:
    """Return the hdiutil line that makes a compressed, read-only DMG of the folder."""
    return ["hdiutil", "create", "-volname", APP_NAME, "-srcfolder", str(folder), "-ov", "-format", "UDZO", str(dmg)]


def _run(command: Sequence[str]) -> None:
    shown = [("***" if i > 0 and command[i - 1] in ("/p", "--password") else part) for i, part in enumerate(command)]
    print("+", " ".join(shown), flush=True)
    subprocess.run(list(command), check=True)


def _stage_deb(bundle: Path, staging: Path) -> int:
    """Lay the package's files out under staging/ and return Installed-Size."""
    if staging.exists():
        shutil.rmtree(staging)
    for entry in deb_layout(bundle):
        target = staging / entry.target.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.text is not None:
            target.write_text(entry.text, encoding="utf-8")
        elif entry.source is not None and entry.source.is_dir():
            shutil.copytree(entry.source, target, symlinks=True)
        elif entry.source is not None:
            shutil.copyfile(entry.source, target)
        if not target.is_dir():
            target.chmod(entry.mode)
    sizes = []
    for path in staging.rglob("*"):
        # dpkg-deb rejects odd permissions; a copied tree keeps whatever the build machine's umask made.
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)
            sizes.append(path.stat().st_size)
    return installed_size_kib(sizes)


def build_deb(bundle: Path, out_dir: Path, work: Path, level: int = 9) -> Path:
    """Build gif-app_<version>_<arch>.deb from the bundle folder and return its path (gzip `level`)."""
    if not (bundle / "gif-app").is_file():
        raise SystemExit(f"no bundle at {bundle}: run `make bundle` first")
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()
    version = project_version()
    staging = work / "deb-root"
    size = _stage_deb(bundle, staging)
    control = staging / "DEBIAN"
    control.mkdir(mode=0o755)
    (control / "control").write_text(render_control(control_fields(version, arch, size)), encoding="utf-8")
    for name, script in maintainer_scripts().items():
        (control / name).write_text(script, encoding="utf-8")
        (control / name).chmod(0o755)
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / deb_file_name(version, arch)
    _run(dpkg_deb_command(staging, output, level))
    shutil.rmtree(staging)
    return output


def build_windows_installer(bundle: Path, out_dir: Path, env: Mapping[str, str]) -> Path:
    """Sign the exes when the secrets exist, compile build/windows/gif-app.iss, sign the setup.exe."""
    plan = signing_plan("win32", env)
    for line in plan.skipped:
        print(line, flush=True)
    sign = "signtool" in plan.steps
    if sign:
        for exe in sorted(bundle.glob("*.exe")):
            _run(signtool_command(env["WINDOWS_SIGN_PFX"], env["WINDOWS_SIGN_PASSWORD"], exe))
    version = project_version()
    iscc = shutil.which("iscc") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    _run(iscc_command(iscc, ASSETS / "windows" / "gif-app.iss", version, bundle, out_dir))
    setup = out_dir / f"{PACKAGE}_{version}_x64-setup.exe"
    if sign:
        _run(signtool_command(env["WINDOWS_SIGN_PFX"], env["WINDOWS_SIGN_PASSWORD"], setup))
    return setup


def build_dmg(app: Path, out_dir: Path, work: Path, env: Mapping[str, str]) -> Path:
    """Sign the .app when the secrets exist, wrap it in a DMG with an /Applications link, notarise, staple."""
    if not app.is_dir():
        raise SystemExit(f"no app at {app}: run `make bundle` first")
    plan = signing_plan("darwin", env)
    for line in plan.skipped:
        print(line, flush=True)
    identity = env.get("MACOS_SIGN_IDENTITY", "")
    if "codesign" in plan.steps:
        _run(codesign_command(identity, app, ASSETS / "macos" / "entitlements.plist"))
    staging = work / "dmg-root"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    _run(["ditto", str(app), str(staging / app.name)])  # ditto keeps the signature's extended attributes
    (staging / "Applications").symlink_to("/Applications")
    out_dir.mkdir(parents=True, exist_ok=True)
    dmg = out_dir / f"{PACKAGE}_{project_version()}_{platform.machine()}.dmg"
    _run(hdiutil_command(staging, dmg))
    shutil.rmtree(staging)
    if "codesign" in plan.steps:
        _run(codesign_command(identity, dmg, None))
    if "notarytool" in plan.steps:
        _run(notarytool_command(env, dmg))
        _run(["xcrun", "stapler", "staple", str(dmg)])
    return dmg


def main(argv: Sequence[str] | None = None) -> int:
    """Build this platform's installer and print its path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="folder holding the bundle (dist/)")
    parser.add_argument("--out", type=Path, default=None, help="where the installer goes (default: --dist)")
    parser.add_argument("--print-build-packages", action="store_true",
                        help="print the Debian packages the Linux bundle build collects libraries from, and stop")
    args = parser.parse_args(argv)
    if args.print_build_packages:
        print(" ".join(build_machine_packages()))
        return 0
    out = args.out or args.dist
    work = ROOT / ".pyinstaller" / "package"
    if sys.platform == "win32":
        installer = build_windows_installer(args.dist / "gif-app", out, os.environ)
    elif sys.platform == "darwin":
        installer = build_dmg(args.dist / f"{APP_NAME}.app", out, work, os.environ)
    elif shutil.which("dpkg-deb"):
        installer = build_deb(args.dist / "gif-app", out, work)
    else:
        print("make package builds a .deb and needs dpkg-deb (Debian/Ubuntu); ship the tar.gz of dist/gif-app")
        return 1
    print(f"installer: {installer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
