"""Gen Image Factory's runner on every OS: `python tools/dev.py run|test|clean|distclean`."""

# This file must parse and run on old interpreters (3.6+): an old Python has to reach the version message
# below instead of a SyntaxError. So: type comments instead of annotations (mypy reads them, 3.6 ignores them),
# no walrus, f-strings without `=`, stdlib only. The work itself lives in tools/devkit/ (Python 3.11+),
# imported only after the check.

import os
import shutil
import subprocess
import sys

if False:  # typing.TYPE_CHECKING without importing typing: these names exist for the type comments only
    from collections.abc import Mapping, Sequence  # noqa: F401

MINIMUM = (3, 11)
# Set on the one re-run under $PYTHON, so a PYTHON that resolves oddly can never loop.
REEXEC_MARK = "GIF_DEV_REEXEC"
VERSION_PROBE = "import sys; print('%d.%d.%d' % tuple(sys.version_info[:3]))"


def too_old_message(version, path):
    # type: (Sequence[int], str) -> str
    """Return the message shown when the interpreter at `path` is older than MINIMUM."""
    need = f"{MINIMUM[0]}.{MINIMUM[1]}"
    found = ".".join(str(part) for part in tuple(version)[:2])
    return (f"Gen Image Factory needs Python {need} or newer; found {found} at {path}. "
            f"Install {need}+ and run again (or set PYTHON=...)")


def parse_version(text):
    # type: (str) -> tuple[int, ...] | None
    """Return the version tuple in text like '3.9.18', or None."""
    parts = []  # type: list[int]
    for piece in text.strip().split("."):
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts) if len(parts) >= 2 else None


def probe_version(python):
    # type: (str) -> tuple[int, ...] | None
    """Return the version of the interpreter `python` by running it, or None when it does not run."""
    try:
        out = subprocess.check_output([python, "-c", VERSION_PROBE], stderr=subprocess.STDOUT, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_version(out.decode("ascii", "replace"))


def chosen_interpreter(environ):
    # type: (Mapping[str, str]) -> tuple[str, bool]
    """Return (path, is_this_one): $PYTHON when set, else the interpreter running this file."""
    wanted = environ.get("PYTHON", "").strip()
    if not wanted:
        return sys.executable, True
    resolved = shutil.which(wanted) or wanted
    same = os.path.realpath(resolved) == os.path.realpath(sys.executable)
    return resolved, same


def main(argv):
    # type: (list[str]) -> int
    """Check the Python version, then hand over to devkit (re-running under $PYTHON when that is another one)."""
    python, is_this_one = chosen_interpreter(os.environ)
    version = tuple(sys.version_info[:3]) if is_this_one else probe_version(python)
    if version is None:
        print(f"PYTHON={python} does not run as a Python interpreter. Set PYTHON to a Python 3.11+ "
              "executable and run again.", file=sys.stderr)
        return 2
    if version < MINIMUM:
        print(too_old_message(version, python), file=sys.stderr)
        return 2
    if argv[:1] == ["--check-python"]:
        dotted = ".".join(str(part) for part in version)
        print(f"Python {dotted} at {python}: OK")
        return 0
    if not is_this_one and not os.environ.get(REEXEC_MARK):
        env = dict(os.environ)  # type: dict[str, str]
        env[REEXEC_MARK] = "1"
        return subprocess.call([python, os.path.abspath(__file__)] + list(argv), env=env)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    # Only importable on 3.11+, hence after the check; found through sys.path, so mypy cannot follow it.
    from devkit.cli import run_command  # type: ignore[import-not-found]
    return int(run_command(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
