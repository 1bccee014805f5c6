"""`gif-app export`: job workbooks, the bulk jobs ZIP and image ZIPs with stock CSVs, without the window."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from gif_app.cli.output import ProgressLine, add_sandbox_flag, bar
from gif_app.domain import CancelToken
from gif_app.errors import CancelledError, NotFoundError, ValidationError
from gif_app.export import stock_csv
from gif_app.export.archive import ExportResult
from gif_app.export.service import ExportSource, perform_export, select_images, site_notices, validate_images
from gif_app.path_text import clean_path_text
from gif_app.paths import resolve_home, sandbox_home_hint

logger = logging.getLogger(__name__)


def add_export_command(sub: Any) -> None:
    """Register the `export` subcommand on the argparse subparsers object."""
    export = sub.add_parser(
        "export", help="export jobs as Excel workbooks or approved images as a ZIP with stock CSVs",
        description="Export one job's workbook (--xlsx), the approved images of jobs with metadata.xlsx and "
                    "stock CSVs (--zip), and/or one workbook per job plus a summary (--jobs-zip). It opens the "
                    "data folder like the app does (with start-up recovery), so it refuses (exit 2) while a "
                    "window or `gif-app run` uses the same data folder.")
    export.add_argument("execution_ids", nargs="+", type=int, metavar="EXECUTION_ID", help="job (execution) ids")
    target = export.add_mutually_exclusive_group()
    target.add_argument("--xlsx", metavar="FILE", type=clean_path_text,
                        help="write the job's workbook (exactly one id)")
    target.add_argument("--zip", metavar="FILE", type=clean_path_text,
                        help="write the approved images, metadata.xlsx and CSVs")
    export.add_argument("--csv", default="", metavar="PRESETS",
                        help=f"stock CSVs to add to --zip, comma-separated: {','.join(stock_csv.csv_presets())}")
    export.add_argument("--embed", action="store_true",
                        help="embed title, description and keywords (IPTC + XMP) into the copies in the ZIP")
    export.add_argument("--strict", action="store_true",
                        help="refuse to export when a CSV row breaks its site's rules (default: warn)")
    export.add_argument("--jobs-zip", metavar="FILE", type=clean_path_text,
                        help="write one workbook per job plus summary.xlsx")
    add_sandbox_flag(export)


def _check_args(args: argparse.Namespace) -> list[str]:
    """Refuse contradictory options before touching the database; return the chosen presets."""
    if not (args.xlsx or args.zip or args.jobs_zip):
        raise ValidationError("Say what to write: --xlsx FILE, --zip FILE or --jobs-zip FILE.")
    if args.xlsx and len(set(args.execution_ids)) != 1:
        raise ValidationError("--xlsx writes one job's workbook: give exactly one id (or use --jobs-zip).")
    presets = stock_csv.preset_names(args.csv.split(",")) if args.csv else []
    if (presets or args.embed) and not args.zip:
        raise ValidationError("--csv and --embed apply to --zip.")
    return presets


def _report_problems(source: ExportSource, ids: list[int], presets: list[str], *, is_strict: bool) -> None:
    """Print each chosen site's AI policy and every row a site would refuse; with --strict, refuse on a row.

    A site's AI policy is the seller's decision (a site may change it, or the images may not be AI-made),
    so it is a warning, never a refusal: --strict is about rows the site's upload form would reject.
    """
    if not presets:
        return
    for notice in site_notices(presets):
        kind = "note" if notice["accepts_ai"] else "warning"
        print(f"{kind}: {notice['message']} ({notice['source']})", file=sys.stderr)
    found = validate_images(select_images(source, {"execution_ids": ids}), presets)
    for item in found:
        for site, issues in item["problems"].items():
            for issue in issues:
                print(f"warning: {item['file_name']} ({site}): {issue}", file=sys.stderr)
    if found and is_strict:
        raise ValidationError(f"{len(found)} image(s) break their site's rules; fix them or drop --strict.")


def _run_one(source: ExportSource, kind: str, params: dict[str, Any], path: str, cancel: CancelToken) -> int:
    destination = Path(path).expanduser().resolve()
    progress = ProgressLine()

    def draw(done: int, total: int) -> None:
        progress.draw(f"{bar(done / total if total else 0.0)} {done}/{total}")

    result: ExportResult = perform_export(source, kind, params, destination, progress=draw, cancel=cancel)
    progress.end()
    for line in result.skipped + result.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(f"Wrote {result.path} ({result.count} {'images' if kind == 'images_zip' else 'items'}).")
    return 0


def _check_job(app: Any, execution_id: int, args: argparse.Namespace) -> None:
    """Refuse an id that is not in this home, saying which home was read and where sandbox jobs live."""
    try:
        app.repo.get_execution(execution_id)
    except NotFoundError as exc:
        hint = sandbox_home_hint(args.home, is_sandbox=args.sandbox)
        message = f"{exc.message.rstrip('.')} in the data folder {app.home.root}."
        raise NotFoundError(f"{message} {hint}".strip()) from None


def run_export(args: argparse.Namespace) -> int:
    """Run `gif-app export` and return the exit code (2: bad arguments, 1: failed, 130: interrupted)."""
    from gif_app.app import AppOptions, build_app

    presets = _check_args(args)
    ids = list(dict.fromkeys(args.execution_ids))
    # Under the home's lock, not read-only beside a live process: opening the app runs recovery and
    # migrations, which write the database; a locked home raises HomeInUseError (exit 2).
    app = build_app(resolve_home(args.home, is_sandbox=args.sandbox), AppOptions(start_workers=False))
    cancel = CancelToken()
    try:
        for execution_id in ids:
            _check_job(app, execution_id, args)  # a wrong id fails before anything is written
        if args.xlsx:
            _run_one(app.repo, "job_xlsx", {"execution_ids": ids}, args.xlsx, cancel)
        if args.zip:
            _report_problems(app.repo, ids, presets, is_strict=args.strict)
            _run_one(app.repo, "images_zip", {"execution_ids": ids, "presets": presets, "embed": args.embed},
                     args.zip, cancel)
        if args.jobs_zip:
            _run_one(app.repo, "jobs_zip", {"execution_ids": ids}, args.jobs_zip, cancel)
        return 0
    except (KeyboardInterrupt, CancelledError):
        cancel.request_abort()
        print("\nExport cancelled; nothing was written under the chosen name.", file=sys.stderr)
        return 130
    finally:
        app.close()
