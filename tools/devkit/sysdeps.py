"""Debian/Ubuntu system packages: names valid on Debian 12, Ubuntu 22.04 and 24.04, checked and installed with apt."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

# Libraries Qt WebEngine needs that a bare system lacks. `a|b`: the first alternative that is installed, else
# the first apt can install. Ubuntu 24.04 renamed libasound2 to libasound2t64 (64-bit time_t transition;
# `libasound2` is only virtual there), Debian 12 and Ubuntu 22.04 know only libasound2.
QT_DEBS = (
    "libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libxkbcommon-x11-0", "libxcb-image0", "libxcb-randr0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-xinerama0", "libnss3", "libegl1", "libgl1", "libxcomposite1",
    "libxdamage1", "libxrandr2", "libxtst6", "libxkbfile1", "libasound2t64|libasound2", "libfontconfig1",
    "libdbus-1-3",
)
# What the tests use beyond that: fonts for rendering checks, cairo for cairosvg, exiftool for metadata checks.
# No xvfb: the suite runs Qt offscreen and Chromium headless.
TEST_DEBS = ("fonts-dejavu-core", "libcairo2", "libimage-exiftool-perl")
# Debian ships Chromium as a deb; on Ubuntu `chromium` is only a virtual name for the snap wrapper, so it is asked
# for only when apt has a real candidate and no browser is found otherwise (see chromium.py).
CHROMIUM_DEB = "chromium"

Predicate = Callable[[str], bool]


def pick_alternative(spec: str, is_installed: Predicate, is_installable: Predicate) -> str | None:
    """Return the package to use for `spec` ('a|b'): the first installed, else the first installable, else None."""
    names = [name.strip() for name in spec.split("|") if name.strip()]
    for name in names:
        if is_installed(name):
            return name
    for name in names:
        if is_installable(name):
            return name
    return None


@dataclass(frozen=True)
class Plan:
    """What apt has to do: packages to install, and specs apt knows no name of (its lists may be stale)."""

    missing: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def is_done(self) -> bool:
        """Return whether nothing is left to install."""
        return not self.missing and not self.unknown


def plan(specs: Iterable[str], is_installed: Predicate, is_installable: Predicate) -> Plan:
    """Return the packages of `specs` still to install and the specs with no known alternative."""
    missing: list[str] = []
    unknown: list[str] = []
    for spec in specs:
        name = pick_alternative(spec, is_installed, is_installable)
        if name is None:
            unknown.append(spec)
        elif not is_installed(name):
            missing.append(name)
    return Plan(tuple(missing), tuple(unknown))


def parse_dpkg_status(text: str) -> set[str]:
    """Return the installed packages in `dpkg-query -W -f='${Package} ${Status}\\n'` output."""
    installed: set[str] = set()
    for line in text.splitlines():
        name, _, status = line.strip().partition(" ")
        if status.split()[-1:] == ["installed"] and status.startswith("install ok"):
            installed.add(name.split(":")[0])
    return installed


def parse_apt_policy(text: str) -> set[str]:
    """Return the packages in `apt-cache policy a b ...` output that have an install candidate."""
    installable: set[str] = set()
    current = ""
    for line in text.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            current = line.rstrip()[:-1].split(":")[0]
        elif line.strip().startswith("Candidate:") and line.split(":", 1)[1].strip() != "(none)" and current:
            installable.add(current)
    return installable


class Apt:
    """The real dpkg/apt state, read once per name list (two subprocess calls, not two per package)."""

    def __init__(self, names: Sequence[str]) -> None:
        """Query dpkg and apt-cache about `names`."""
        listed = sorted(set(names))
        status = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Status}\\n", *listed],
                                capture_output=True, text=True)
        policy = subprocess.run(["apt-cache", "policy", *listed], capture_output=True, text=True)
        self.installed = parse_dpkg_status(status.stdout)
        self.installable = parse_apt_policy(policy.stdout)

    def is_installed(self, name: str) -> bool:
        """Return whether dpkg has `name` installed."""
        return name in self.installed

    def is_installable(self, name: str) -> bool:
        """Return whether apt has an install candidate for `name`."""
        return name in self.installable


def is_debian_like() -> bool:
    """Return whether this is a Linux with dpkg and apt (Debian, Ubuntu and their derivatives)."""
    return sys.platform.startswith("linux") and bool(shutil.which("dpkg-query")) and bool(shutil.which("apt-cache"))


def names_of(specs: Iterable[str]) -> list[str]:
    """Return every alternative named in `specs`."""
    return [name.strip() for spec in specs for name in spec.split("|") if name.strip()]


def sudo_line(found: Plan) -> str:
    """Return the one command a non-root user runs to install what is missing."""
    names = [*found.missing, *(spec.split("|")[0] for spec in found.unknown)]
    install = "sudo apt-get install -y --no-install-recommends " + " ".join(names)
    return f"sudo apt-get update && {install}" if found.unknown else install


def ensure_packages(specs: Sequence[str], log: Callable[[str], None] = print) -> bool:
    """Install missing packages of `specs` as root, or print the sudo line; return whether all are present."""
    if not specs or not is_debian_like():
        return True
    found = plan(specs, *_predicates(specs))
    if found.is_done:
        return True
    if os.geteuid() != 0:
        log("Some system libraries are missing. Install them once with:")
        log("  " + sudo_line(found))
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL, env=env)
    found = plan(specs, *_predicates(specs))  # fresh lists may know names the stale ones did not
    if found.unknown:
        log("apt knows none of these packages: " + ", ".join(found.unknown))
        return False
    if found.missing:
        log("Installing system packages: " + " ".join(found.missing))
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *found.missing],
                       check=True, stdout=subprocess.DEVNULL, env=env)
    return True


def resolved(specs: Sequence[str]) -> list[str]:
    """Return this system's package name for each spec (its first alternative when apt knows none)."""
    if not is_debian_like():
        return [spec.split("|")[0] for spec in specs]
    installed, installable = _predicates(specs)
    return [pick_alternative(spec, installed, installable) or spec.split("|")[0] for spec in specs]


def is_chromium_deb_available() -> bool:
    """Return whether apt can install a real (non-snap) Chromium deb here."""
    return is_debian_like() and Apt([CHROMIUM_DEB]).is_installable(CHROMIUM_DEB)


def _predicates(specs: Sequence[str]) -> tuple[Predicate, Predicate]:
    """Return (is_installed, is_installable) answered from one query of dpkg and apt."""
    apt = Apt(names_of(specs))
    return apt.is_installed, apt.is_installable
