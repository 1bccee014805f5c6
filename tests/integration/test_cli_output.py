"""What `gif-app` writes: one JSON document on stdout, a quiet stderr, no `\\r` off a terminal, real hints."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gif_app.settings_schema import SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIF_SANDBOX_")}
    return {**env, **extra}


def _gif_app(args: list[str], stderr_file: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the CLI with stdout piped and stderr sent to a file, as a cron job or a script would."""
    with stderr_file.open("wb") as err:
        done = subprocess.run([sys.executable, "-m", "gif_app", *args], stdout=subprocess.PIPE, stderr=err,
                              cwd=ROOT, env=env or _env(), timeout=180, check=False)
    return done.returncode, done.stdout.decode("utf-8"), stderr_file.read_text(encoding="utf-8")


def test_run_json_is_one_document_and_stderr_is_quiet_and_has_no_carriage_returns(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, out, err = _gif_app(["--home", str(home), "run", "--sandbox", "--set", "parameters.count=2", "--json"],
                              tmp_path / "stderr.log")
    assert code == 0, err[-2000:]
    summary = json.loads(out)  # the whole of stdout, not its last line
    assert summary["status"] == "completed" and summary["home"] == str(home)
    assert "\r" not in err  # no progress bar redraws in a file
    assert "HTTP Request" not in err and " INFO " not in err  # no per-request lines, no info by default
    assert f"Job {summary['execution_id']} " in err  # the human summary went to stderr
    # The same --home is the same folder for `export`, though the job ran with --sandbox.
    workbook = tmp_path / "job.xlsx"
    code, out, err = _gif_app(["--home", str(home), "export", str(summary["execution_id"]), "--xlsx",
                               str(workbook)], tmp_path / "export.log")
    assert code == 0, err[-2000:]
    assert workbook.stat().st_size > 0 and "\r" not in err


def test_verbose_shows_the_http_requests_quiet_does_not(tmp_path: Path) -> None:
    code, out, err = _gif_app(["-v", "--home", str(tmp_path / "home"), "run", "--sandbox",
                               "--set", "parameters.count=1"], tmp_path / "stderr.log")
    assert code == 0, err[-2000:]
    assert "HTTP Request: POST" in err and "\r" not in err
    assert out.startswith("Job 1 ")  # without --json the summary is the command's output


def test_a_warning_is_printed_once(tmp_path: Path) -> None:
    env = _env(GIF_SANDBOX_FAULTS="removebg:402:1.0")
    code, _, err = _gif_app(["--home", str(tmp_path / "home"), "run", "--sandbox", "--set", "parameters.count=1",
                             "--set", "parameters.variations=1", "--set", "ai.run_quality_check=false",
                             "--set", "processing.remove_bg=true", "--json"], tmp_path / "stderr.log", env)
    assert code == 0, err[-2000:]
    warnings = [line for line in err.splitlines() if "Insufficient credits" in line]
    assert len(warnings) == 1, err  # one image, one soft failure: one line (not the stage's and the job log's)
    assert warnings[0].startswith("WARNING ")


def test_run_without_keys_exits_2_lists_every_problem_and_records_no_job(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, out, err = _gif_app(["--home", str(home), "run", "--json"], tmp_path / "stderr.log")
    assert code == 2 and out == ""
    assert "error: The job cannot start: 3 problems" in err
    for line in ("  keys.openai: No OpenAI API key", "  keys.runware: No Runware API key",
                 "  file_paths.keywords_file: No keyword file is set"):
        assert line in err
    with sqlite3.connect(home / "gif_app.db") as db:
        assert db.execute("SELECT count(*) FROM job_execution").fetchone()[0] == 0


@pytest.mark.parametrize("assignment", ["generation.concurrency=4", "parameters.concurency=4"])
def test_the_set_hint_for_an_unknown_key_names_an_existing_key(tmp_path: Path, assignment: str) -> None:
    code, _, err = _gif_app(["--home", str(tmp_path / "home"), "run", "--set", assignment], tmp_path / "e.log")
    assert code == 2
    hint = err.split("Did you mean ", 1)[1].split("?", 1)[0]
    named = hint.split(" or ")
    assert named[0] == "parameters.concurrency" and all(key in SETTINGS for key in named)
    assert not (tmp_path / "home").exists()  # refused before the data folder was opened or created
