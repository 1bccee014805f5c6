"""The .deb built from the bundle installs with dpkg, runs as an installed app, and purges without a trace.

Installing needs root (CI runs as root) or passwordless sudo; without either the install test is skipped.
The bundle comes from the session fixture in conftest.py, so it is built once for this file and test_bundle.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.waiting import wait_until
from tools import package

RUN_TIMEOUT_S = 180
DPKG_TIMEOUT_S = 300

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(40 * 60),
    pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None,
                       reason="the .deb is built and installed with dpkg (Debian/Ubuntu only)"),
]


def _privilege() -> list[str] | None:
    """Return the prefix that runs a command as root, or None when there is no way to."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True,
                                               check=False).returncode == 0:
        return ["sudo", "-n"]
    return None


def _dpkg(*args: str) -> subprocess.CompletedProcess[str]:
    """Run dpkg as root, waiting out another process's dpkg lock (apt on a shared machine) instead of failing."""
    prefix = _privilege()
    assert prefix is not None

    def attempt() -> subprocess.CompletedProcess[str] | None:
        result = subprocess.run([*prefix, "dpkg", *args], capture_output=True, text=True, timeout=DPKG_TIMEOUT_S,
                                check=False)
        locked = result.returncode != 0 and "lock" in result.stderr.lower()
        return None if locked else result

    result: subprocess.CompletedProcess[str] = wait_until(attempt, timeout=DPKG_TIMEOUT_S, what="the dpkg lock",
                                                          interval=2.0)
    return result


def _is_installed() -> bool:
    """Return whether dpkg knows the package in any state (half-configured and config-files count)."""
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package.PACKAGE], capture_output=True,
                            text=True, check=False).stdout.split()
    return bool(status) and status[-1] != "not-installed"


def _explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-4000:]}"


@pytest.fixture(scope="module")
def deb(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the .deb from the session's bundle (fast gzip: the level changes the size, not the contents)."""
    out = tmp_path_factory.mktemp("deb")
    return package.build_deb(bundle.parent, out, out / "work", level=1)


@pytest.fixture
def installed(deb: Path) -> Iterator[Path]:
    """Install the .deb with dpkg -i and purge it afterwards, whatever the test found."""
    if _privilege() is None:
        pytest.skip("installing a .deb needs root or passwordless sudo (CI runs as root)")
    assert not _is_installed(), "gif-app is already installed on this machine; remove it before this test"
    result = _dpkg("-i", str(deb))
    try:
        # Depends must be satisfiable by what `make run` installs; never --force past a complaint.
        assert result.returncode == 0, _explain(result)
        yield deb
    finally:
        if _is_installed():
            _dpkg("--purge", package.PACKAGE)


def test_deb_metadata_and_contents(deb: Path) -> None:
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert deb.name == package.deb_file_name(package.project_version(), arch)
    info = subprocess.run(["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "Package: gif-app" in info and f"Version: {package.project_version()}" in info
    assert f"Architecture: {arch}" in info
    assert "libasound2t64 | libasound2" in info and "libnss3" in info and "Installed-Size: " in info
    assert "postinst" in info and "postrm" in info

    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    paths = {line.split()[-1].removeprefix(".") for line in listing if not line.startswith("l")}
    assert {"/opt/gif-app/gif-app", "/usr/bin/gif-app", "/usr/share/applications/gif-app.desktop",
            "/usr/share/icons/hicolor/256x256/apps/gif-app.png",
            "/usr/share/icons/hicolor/scalable/apps/gif-app.svg"} <= paths
    assert any(p.startswith("/opt/gif-app/_internal/") for p in paths)
    # Built with --root-owner-group: every file belongs to root on the installed system.
    assert all(line.split()[1] == "root/root" for line in listing)
    assert not any(p.startswith(("/home", "/root", "/tmp")) for p in paths)


def test_installed_app_runs_creates_its_data_folder_and_purges_clean(installed: Path, tmp_path: Path) -> None:
    files = [p for p in subprocess.run(["dpkg", "-L", package.PACKAGE], capture_output=True, text=True,
                                       check=True).stdout.splitlines() if p and p != "/."]
    assert Path("/usr/bin/gif-app").is_file() and os.access("/usr/bin/gif-app", os.X_OK)
    desktop = Path("/usr/share/applications/gif-app.desktop").read_text(encoding="utf-8")
    assert "Exec=/usr/bin/gif-app" in desktop and "Icon=gif-app" in desktop
    for size in package.ICON_SIZES:
        assert Path(f"/usr/share/icons/hicolor/{size}x{size}/apps/gif-app.png").is_file()

    # A fresh user: no GIF_APP_HOME and no XDG overrides, so the app picks ~/.local/share/GenImageFactory.
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "GIF_APP_HOME" and not k.startswith("XDG_")}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1")
    result = subprocess.run(["gif-app", "--self-test"], cwd=home, env=env, capture_output=True, text=True,
                            timeout=RUN_TIMEOUT_S, check=False)
    assert result.returncode == 0, _explain(result)
    assert "SELF-TEST OK: Gen Image Factory" in result.stdout, _explain(result)
    data = home / ".local" / "share" / "GenImageFactory"
    assert (data / "gif_app.db").is_file(), "the first run did not create the data folder"

    purge = _dpkg("--purge", package.PACKAGE)
    assert purge.returncode == 0, _explain(purge)
    assert not _is_installed()
    left = [p for p in files if os.path.lexists(p)]
    # What remains of the list may only be a shared folder: a top-level one (/opt, /usr) or one that another
    # installed package also owns (/usr/bin, /usr/share/icons/hicolor/48x48/apps, ...).
    owners = subprocess.run(["dpkg", "-S", *left], capture_output=True, text=True, check=False) if left else None
    orphans = [p for p in left if Path(p).parent != Path("/")
               and (owners is None or f": {p}\n" not in owners.stdout + "\n")]
    assert orphans == [], f"purge left the package's files behind: {orphans[:10]}"
    assert all(Path(p).is_dir() for p in left)
    assert not Path(package.INSTALL_DIR).exists(), "purge left /opt/gif-app behind"
    assert (data / "gif_app.db").is_file(), "removing the package must keep the user's data"
