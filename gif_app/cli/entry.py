"""Command line entry: the parser and the dispatch to the window (default), headless runs, processing, exports,
settings and the sandbox."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from gif_app import __version__
from gif_app import settings as settings_mod
from gif_app.cli.commands import add_commands, run_command
from gif_app.cli.output import add_sandbox_flag, configure_logging, print_problems
from gif_app.cli.sandbox_choice import choose_sandbox, is_double_clicked
from gif_app.errors import AppError, HomeInUseError, ValidationError
from gif_app.path_text import clean_path_text
from gif_app.paths import is_frozen, resolve_home

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for `gif-app`."""
    parser = argparse.ArgumentParser(prog="gif-app", description="Gen Image Factory")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--home", type=clean_path_text,
                        help="app home folder, the same for every command (default: $GIF_APP_HOME, "
                             "else data_folder in config.toml in the user config dir, else the user "
                             "data dir; their 'sandbox' subfolder holds sandbox work)")
    parser.add_argument("--sandbox", action="store_true", help="run against the built-in sandbox vendors")
    parser.add_argument("--auto-sandbox", action="store_true",
                        help="use the sandbox when no API key is configured (what `make run` does)")
    parser.add_argument("--self-test", nargs="?", const="check", choices=("check", "start-fresh"),
                        help="open the window, check the bridge, exit; 'start-fresh' also presses Start fresh on "
                             "the recovery page of a damaged database and checks the app it goes on into")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more logging on stderr: -v info lines and HTTP requests, -vv debug")
    sub = parser.add_subparsers(dest="command")

    settings_cmd = sub.add_parser("settings", help="show settings")
    settings_sub = settings_cmd.add_subparsers(dest="settings_command", required=True)
    show = settings_sub.add_parser("show", help="print the effective settings as JSON (no secrets)")
    show.add_argument("--defaults", action="store_true", help="print the defaults instead")
    add_sandbox_flag(show)

    sandbox_cmd = sub.add_parser("sandbox", help="the built-in vendor sandbox")
    sandbox_sub = sandbox_cmd.add_subparsers(dest="sandbox_command", required=True)
    serve = sandbox_sub.add_parser("serve", help="run the sandbox servers alone")
    serve.add_argument("--port", type=int, default=0, help="first port (default: free ports)")

    add_commands(sub)
    return parser


def _home(args: argparse.Namespace) -> Path:
    """Return the home folder for --home and --sandbox (see `gif_app.paths.resolve_home`)."""
    return resolve_home(args.home, is_sandbox=args.sandbox)


def parse_args(argv: Sequence[str] | None = None, *, is_frozen_app: bool | None = None) -> argparse.Namespace:
    """Parse the command line; a bundle started with no arguments (a double-click) means --auto-sandbox."""
    raw = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(raw)
    # `--sandbox` may follow the subcommand (`run --sandbox`, `export 1 --sandbox`): one flag, one home rule.
    args.sandbox = args.sandbox or bool(getattr(args, "sub_sandbox", False))
    args.auto_sandbox = args.auto_sandbox or is_double_clicked(
        is_frozen() if is_frozen_app is None else is_frozen_app, raw)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    args = parse_args(argv)
    configure_logging(args.verbose)
    try:
        return _dispatch(args)
    except ValidationError as exc:
        print_problems(exc)
        return 2
    except HomeInUseError as exc:
        # Exit 2, like a refused argument: nothing ran, and the other process's job was left alone.
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except AppError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "settings":
        return _settings_show(args)
    if args.command == "sandbox":
        from gif_app.sandbox.servers import SandboxConfig, serve

        serve(port=args.port, config=SandboxConfig.from_env(os.environ))
        return 0
    if args.command:
        return run_command(args)
    return _window(args)


def _settings_show(args: argparse.Namespace) -> int:
    if args.defaults:
        values = settings_mod.defaults()
    else:
        values = settings_mod.SettingsFile(_home(args) / "settings.json").load().settings
    print(json.dumps(values, indent=2, sort_keys=True))
    return 0


NO_DISPLAY = "No display found: the window needs a desktop session. Use `gif-app run` for headless jobs."


def has_display(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Return False on Linux without X11/Wayland unless Qt is told to draw offscreen."""
    if not platform.startswith("linux"):
        return True
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return True
    return environ.get("QT_QPA_PLATFORM", "").split(":", 1)[0] in {"offscreen", "minimal"}


def choose_window_sandbox(args: argparse.Namespace) -> bool:
    """Return True when the window should run on the sandbox (keys are looked up in the real home only if asked)."""
    from gif_app.keystore import KeyStore, choose_backend

    def has_keys() -> bool:
        return KeyStore(choose_backend(_home(args) / "keys.json")).has_any()

    return choose_sandbox(is_sandbox=args.sandbox, is_auto=args.auto_sandbox, has_keys=has_keys)


def _window(args: argparse.Namespace) -> int:
    if not has_display(os.environ):
        # Checked before Qt loads: Qt's own message blames an installed library, which sends people astray.
        print(NO_DISPLAY, file=sys.stderr, flush=True)
        return 1
    from gif_app.webview_runtime import EXIT_NO_WEBVIEW2, ensure_webview_runtime

    if not ensure_webview_runtime():  # Windows without WebView2: a clear message, not a blank window
        return EXIT_NO_WEBVIEW2
    from gif_app.app import AppOptions, build_window_app
    from gif_app.window import run_home_in_use_window, run_window

    if not args.sandbox and choose_window_sandbox(args):
        args.sandbox = True
        print("No API keys configured: starting on the built-in sandbox.", flush=True)
    try:
        app = build_window_app(_home(args), AppOptions(is_sandbox=args.sandbox))
    except HomeInUseError as exc:
        # No second app: the message goes to stderr (and the log) and a small window says it; exit 2.
        print(f"error: {exc.message}", file=sys.stderr, flush=True)
        try:
            code = run_home_in_use_window(Path(exc.home), is_self_test=bool(args.self_test))
        except Exception:  # noqa: BLE001 - the message is on stderr already; the window only repeats it
            log.exception("the 'already running' window could not open")
            code = 2
    else:
        code = run_window(app, is_self_test=bool(args.self_test),
                          self_test_start_fresh=args.self_test == "start-fresh")
    # pywebview answers each page call on a non-daemon thread; one caught mid-call when the window closed
    # waits forever for a JavaScript result and would keep the process alive with no window.
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)
