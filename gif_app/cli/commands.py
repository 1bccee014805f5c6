"""Automation subcommands: `run` (one job, no window) and `process` (the recipe on local files)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from gif_app import settings as settings_mod
from gif_app.cli.export import add_export_command, run_export
from gif_app.cli.output import ProgressLine, add_sandbox_flag, bar, write_json
from gif_app.domain import JobExecution, JobStatus
from gif_app.errors import ConfigurationError
from gif_app.path_text import clean_path_text
from gif_app.paths import resolve_home
from gif_app.shutdown import exit_on_sigterm
from gif_app.stock_target import choose_target


def add_commands(sub: Any) -> None:
    """Register the automation subcommands."""
    run = sub.add_parser("run", help="run one job without the window (refused while another process uses the "
                                     "data folder)")
    run.add_argument("--settings", type=clean_path_text, help="settings JSON file (same format the app saves)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a setting, e.g. parameters.concurrency=4 (repeatable)")
    run.add_argument("--stock-target", metavar="SITE",
                     help="make the files upload-ready for a stock site (adobe, shutterstock, ...): sets its format, "
                          "colours, size and name length, lists each change; --set still wins")
    run.add_argument("--images", nargs="+", metavar="PATH", type=clean_path_text,
                     help="import these image files or folders instead of generating: each is copied (the original "
                          "is never changed) and goes through QC, processing, metadata and finalize")
    run.add_argument("--existing-metadata", choices=("replace", "keep", "merge"), default="replace",
                     help="with --images: what becomes of the title, description and keywords a file already carries: "
                          "replace (the model writes new ones, default), keep (the file's win) or merge (keywords "
                          "combined)")
    add_sandbox_flag(run)
    run.add_argument("--json", action="store_true",
                     help="print the summary as one JSON document on stdout (everything else goes to stderr)")
    run.add_argument("--dry-run", action="store_true",
                     help="print the estimate (images, paid calls, cost range) and create no job")

    # `process` takes no lock on the home: it only reads settings and keys there and writes into --out.
    process = sub.add_parser("process", help="apply the processing recipe to local image files")
    process.add_argument("inputs", nargs="+", type=clean_path_text, help="image files or folders")
    process.add_argument("--out", required=True, type=clean_path_text, help="output folder")
    process.add_argument("--set", action="append", default=[], metavar="processing.KEY=VALUE",
                         help="override a processing setting (repeatable)")
    process.add_argument("--workers", type=int, default=0, help="parallel workers (default: all cores)")
    add_sandbox_flag(process)  # reads the settings and keys of the sandbox home

    add_export_command(sub)


def run_command(args: argparse.Namespace) -> int:
    """Run one automation subcommand and return its exit code."""
    if args.command == "run":
        return _run_job(args)
    if args.command == "process":
        from gif_app.cli.process import process_files

        return process_files(args)
    if args.command == "export":
        return run_export(args)
    raise ConfigurationError(f"Unknown command {args.command}.")


def _load_run_settings(args: argparse.Namespace, saved: settings_mod.Settings) -> settings_mod.Settings:
    settings = saved
    if args.settings:
        path = Path(args.settings).expanduser()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"Cannot read the settings file {path}: {exc}") from exc
        settings = settings_mod.validated(raw)
    if getattr(args, "stock_target", None):
        values, changes = choose_target(settings_mod.flatten(settings), str(args.stock_target))
        for change in changes:
            print(f"stock target: {change.label}: {change.old or '(empty)'} -> {change.new}", file=sys.stderr)
        settings = settings_mod.validated(values)
    return settings_mod.apply_overrides(settings, list(args.set))


def _run_job(args: argparse.Namespace) -> int:
    from gif_app.app import AppOptions, build_app

    settings_mod.check_override_keys(list(args.set))  # a typo must not open (or create) a home first
    home = resolve_home(args.home, is_sandbox=args.sandbox)
    if args.dry_run:
        return _dry_run(args, home)
    app = build_app(home, AppOptions(is_sandbox=args.sandbox, start_workers=False))
    jobs = app.ctx.services.jobs
    finished = threading.Event()
    result: dict[str, JobExecution] = {}
    progress = ProgressLine()

    def on_event(event: str, execution: JobExecution) -> None:
        if event == "finished":
            result["execution"] = execution
            finished.set()

    try:
        settings = _load_run_settings(args, app.ctx.settings_file.load().settings)
        jobs.add_listener(on_event)
        execution = jobs.start_job(settings, when_busy="refuse", source_images=args.images,
                                   import_metadata=args.existing_metadata)
        _install_stop_handlers(jobs, progress)
        exit_on_sigterm()  # a service manager's (or the OS's logout) SIGTERM: the `finally` below shuts down
        jobs.start_worker()
        while not finished.wait(0.5):
            _draw_progress(progress, jobs.progress())
        _draw_progress(progress, jobs.progress())
        progress.end()
        final = result["execution"]
        summary = _summary(app, final, settings)
        # With --json, stdout holds the one JSON document alone: the human summary goes to stderr.
        human = sys.stderr if args.json else sys.stdout
        print(f"Job {final.id} '{final.label}': {final.status.value} — {final.approved} approved, "
              f"{final.qc_failed} QC failed, {final.failed} failed, cost {final.cost:.4f}. "
              f"Output: {summary['output_folder']}", file=human)
        if final.error:
            print(f"Reason: {final.error}", file=human)
        print(_breakdown_text(summary["cost_breakdown"]), file=human)
        if args.json:
            write_json(summary)
        return 0 if final.status is JobStatus.COMPLETED and execution.id == final.id else 1
    finally:
        app.close()


def _summary(app: Any, final: JobExecution, settings: settings_mod.Settings) -> dict[str, Any]:
    output = settings["file_paths"]["output_directory"] or str(app.home.default_output)
    return {"execution_id": final.id, "status": final.status.value, "planned": final.planned,
            "approved": final.approved, "qc_failed": final.qc_failed, "failed": final.failed,
            "output_folder": output, "cost": final.cost, "error": final.error, "home": str(app.home.root),
            "stop_reason": final.stop_reason.value if final.stop_reason else None,
            "cost_breakdown": app.repo.cost_breakdown(final.id)}


def _dry_run(args: argparse.Namespace, home: Path) -> int:
    """Print what the job would render, call and cost; no lock, no database, no job."""
    from gif_app.jobs.estimate import estimate_job
    from gif_app.prices import table_with_overrides

    settings = _load_run_settings(args, settings_mod.SettingsFile(home / "settings.json").load().settings)
    estimate = estimate_job(settings, table_with_overrides(str(settings["advanced"]["price_overrides"])))
    data = estimate.to_json()
    human = sys.stderr if args.json else sys.stdout  # with --json, stdout holds the one JSON document alone
    print(f"Estimate: {data['generations']} generation(s), {data['images']} image(s), "
          f"{data['calls_low']}–{data['calls_high']} paid call(s), likely about ${data['usd_likely']:.4f} "
          f"(${data['usd_low']:.4f}–${data['usd_high']:.4f}; the upper end with {data['retries']} "
          f"retr{'y' if data['retries'] == 1 else 'ies'} per call).", file=human)
    for step in data["steps"]:
        priced = "" if step["is_priced"] else " (no price in the table: set one in Price overrides)"
        print(f"  {step['step_label']:<20} {step['vendor']}/{step['model']}: {step['calls_low']}–{step['calls_high']} "
              f"call(s), ${step['usd_low']:.4f}–${step['usd_high']:.4f}{priced}", file=human)
    budget = float(settings["parameters"]["budget_usd"])
    if budget:
        print(f"Budget per job: ${budget:.2f}", file=human)
    if args.json:
        write_json({"dry_run": True, **data, "budget_usd": budget})
    return 0


def _breakdown_text(rows: list[dict[str, Any]]) -> str:
    """Return the cost per step and vendor, one line each (estimated figures marked)."""
    if not rows:
        return "Cost breakdown: no paid call."
    lines = ["Cost breakdown:"]
    for row in rows:
        mark = " (estimated)" if row["is_estimated"] else ""
        model = f"/{row['model']}" if row["model"] and row["model"] != "*" else ""
        lines.append(f"  {row['step_label']:<20} {row['vendor']}{model}: {row['calls']} charge(s), "
                     f"${row['amount']:.4f}{mark}")
    return "\n".join(lines)


def _install_stop_handlers(jobs: Any, progress: ProgressLine) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    presses = {"n": 0}

    def handler(signum: int, frame: Any) -> None:
        presses["n"] += 1
        if presses["n"] == 1:
            progress.say("Stopping after the images in flight (Ctrl+C again to force stop)…")
            jobs.stop()
        else:
            jobs.force_stop()

    signal.signal(signal.SIGINT, handler)


def _draw_progress(progress: ProgressLine, snapshot: dict[str, Any] | None) -> None:
    if not snapshot or not progress.is_shown:
        return
    counts = snapshot.get("counts", {})
    eta = f" ETA {snapshot['eta_s']:.0f}s" if snapshot.get("eta_s") else ""
    progress.draw(f"{bar(snapshot['overall'])} {snapshot['overall'] * 100:5.1f}% "
                  f"gen {snapshot['generations_done']}/{snapshot['generations_total']} "
                  f"approved {counts.get('approved', 0)} qc_failed {counts.get('qc_failed', 0)}{eta}")
