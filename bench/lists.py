"""Time one 100-row page of the job list (10,000 jobs) and the gallery (100,000 images); budget <= 15 ms each.

Seeds a temp database with bulk inserts through the store's peewee models, then times each filter/sort
through the repository (the SQL) and through the Api (SQL plus the JSON the page receives), median of runs.
Run: .venv/bin/python bench/lists.py [--jobs 10000] [--images 100000] [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gif_app import settings as settings_mod  # noqa: E402
from gif_app.app import AppOptions, build_app  # noqa: E402
from gif_app.domain import ImageStatus, NewImage, StockMetadata  # noqa: E402
from gif_app.paths import HomeLayout  # noqa: E402
from gif_app.store import models  # noqa: E402
from gif_app.store.convert import search_text  # noqa: E402
from gif_app.store.images_repo import ImageFilter  # noqa: E402
from gif_app.store.jobs_repo import JobFilter  # noqa: E402
from gif_app.store.repository import Repository  # noqa: E402

BUDGET_MS = 15.0
PAGE = 100
WORDS = ("beach sunset mountain lake city night forest autumn winter spring coffee apple puppy kitten flower "
         "desert ocean bridge street market garden studio portrait texture abstract minimal").split()
JOB_STATUSES = ("completed",) * 7 + ("failed", "stopped", "interrupted")
IMAGE_STATUSES = ("approved",) * 6 + ("qc_failed", "qc_failed", "retry_failed", "pending")


def seed(path: Path, jobs: int, images: int, rng: random.Random) -> None:
    """Fill a fresh database with `jobs` executions and `images` images spread over a year."""
    repo = Repository.open(path)
    snapshot = json.dumps(settings_mod.defaults(), separators=(",", ":"))
    start = datetime.now() - timedelta(days=365)
    with repo.db.atomic():
        config = models.JobConfigurationRow.create(name="bench", settings=snapshot, created_at=start,
                                                   updated_at=start)
        rows = []
        for n in range(jobs):
            created = start + timedelta(seconds=n * 365 * 86400 / jobs)
            label = " ".join(rng.sample(WORDS, 2)).title() + f" {n}"
            rows.append({
                "configuration": config.id, "label": label, "status": rng.choice(JOB_STATUSES),
                "created_at": created, "updated_at": created, "started_at": created,
                "finished_at": created + timedelta(seconds=rng.randint(5, 3600)), "planned": 10,
                "generated": 10, "approved": rng.randint(0, 10), "cost": 0.04, "settings_snapshot": snapshot,
                "completed_generations": "[]",
            })
        _insert(models.JobExecutionRow, rows)
        per_job = max(1, images // jobs)
        rows = []
        for n in range(images):
            job = n // per_job % jobs + 1
            created = start + timedelta(seconds=n * 365 * 86400 / images)
            keyword = " ".join(rng.sample(WORDS, 2))
            metadata = StockMetadata(title=f"{keyword.title()} stock photo {n}", description=f"A {keyword} image.",
                                     keywords=tuple(rng.sample(WORDS, 8)))
            prompt = f"A professional photo of {keyword}, soft light, clean background"
            rows.append({
                "mapping_id": f"img_{n:08d}", "execution": job, "generation_index": n % per_job,
                "variation_index": 0, "prompt": prompt, "keyword": keyword, "provider": "runware",
                "status": rng.choice(IMAGE_STATUSES), "final_path": f"/out/{n}.png",
                "metadata": json.dumps(metadata.to_json()), "created_at": created, "updated_at": created,
                "search_text": search_text(prompt, keyword, metadata), "cost": 0.004,
            })
        _insert(models.GeneratedImageRow, rows)
    repo.db.execute_sql("ANALYZE")
    repo.close()


def _insert(model: Any, rows: list[dict[str, Any]], chunk: int = 400) -> None:
    for i in range(0, len(rows), chunk):
        model.insert_many(rows[i:i + chunk]).execute()


def median_ms(call: Callable[[], Any], runs: int) -> float:
    """Return the median wall time of `call` in milliseconds (after one warm-up run)."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def time_writes(repo: Repository, count: int) -> tuple[float, float]:
    """Record `count` new images, then move each out of pending as a job does; return mean ms per call."""
    job = repo.list_executions(JobFilter(page_size=1)).items[0].id
    news = [NewImage(mapping_id=f"bench-{n}", execution_id=job, generation_index=n, variation_index=0,
                     prompt=f"A professional photo of {WORDS[n % len(WORDS)]} kitten, soft light", keyword="kitten",
                     seed=n, provider="runware", provider_ids={}, temp_path=f"/tmp/bench-{n}.png", cost=0.004)
            for n in range(count)]
    started = time.perf_counter()
    ids = [repo.record_image(new).id for new in news]
    record_ms = (time.perf_counter() - started) * 1000 / count
    started = time.perf_counter()
    for n, image_id in enumerate(ids):
        repo.update_image(image_id, status=ImageStatus.QC_FAILED if n % 4 == 0 else ImageStatus.APPROVED)
    return record_ms, (time.perf_counter() - started) * 1000 / count


def job_cases() -> dict[str, dict[str, Any]]:
    """Return the job-list queries a user makes: name -> Api query."""
    month_ago = (datetime.now() - timedelta(days=30)).date().isoformat()
    return {
        "jobs newest": {}, "jobs title": {"sort": "name"}, "jobs duration": {"sort": "duration"},
        "jobs status=completed": {"status": ["completed"]},
        "jobs status=failed, title": {"status": ["failed"], "sort": "name"},
        "jobs last 30 days": {"date_from": month_ago},
        "jobs search 'beach'": {"search": "beach"},
        "jobs search 'beach', page 5": {"search": "beach", "page": 5},
        "jobs search + status + dates": {"search": "lake", "status": ["completed"], "date_from": month_ago},
        "jobs last page": {"page": 100},
    }


def image_cases() -> dict[str, dict[str, Any]]:
    """Return the gallery queries a user makes: name -> Api query."""
    month_ago = (datetime.now() - timedelta(days=30)).date().isoformat()
    return {
        "images newest": {}, "images title": {"sort": "title"}, "images oldest": {"sort": "oldest"},
        "images status=approved": {"status": ["approved"]},
        "images status=qc_failed": {"status": ["qc_failed"]},
        "images last 30 days": {"date_from": month_ago},
        "images search 'kitten'": {"search": "kitten"},
        "images search 'kitten' + status": {"search": "kitten", "status": ["approved"]},
        "images search 'kitten' + 2 statuses": {"search": "kitten", "status": ["qc_failed", "retry_failed"]},
        "images search + status + dates": {"search": "kitten", "status": ["approved"], "date_from": month_ago},
        "images one job": {"execution_ids": [42]},
        "images page 500": {"page": 500},
    }


def _job_filter(q: dict[str, Any]) -> JobFilter:
    return JobFilter(status=tuple(q.get("status", ())), date_from=_date(q.get("date_from")),
                     search=q.get("search", ""), sort=q.get("sort", "newest"), page=q.get("page", 1),
                     page_size=PAGE)


def _image_filter(q: dict[str, Any]) -> ImageFilter:
    return ImageFilter(statuses=tuple(q.get("status", ())), execution_ids=tuple(q.get("execution_ids", ())),
                       date_from=_date(q.get("date_from")), search=q.get("search", ""),
                       sort=q.get("sort", "newest"), page=q.get("page", 1), page_size=PAGE)


def _date(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def main() -> int:
    """Seed, measure, print a table; exit 1 if any case is over budget."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--only", choices=("jobs", "images"), help="time only the job list or the gallery")
    parser.add_argument("--writes", type=int, default=300, help="images recorded then updated, timed per image")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        started = time.perf_counter()
        seed(HomeLayout(home).create().database, args.jobs, args.images, random.Random(7))
        print(f"seeded {args.jobs:,} jobs and {args.images:,} images in {time.perf_counter() - started:.1f} s")
        app = build_app(home, AppOptions(prefer_keychain=False, start_workers=False))
        try:
            print(f"{'case (100-row page)':34} {'rows':>7} {'repo ms':>8} {'api ms':>8}")
            worst = 0.0
            cases = {**job_cases(), **image_cases()}
            for name, q in cases.items():
                if args.only and not name.startswith(args.only):
                    continue
                is_job = name.startswith("jobs")
                repo_call: Callable[[], Any] = (
                    (lambda q=q: app.repo.list_executions(_job_filter(q))) if is_job
                    else (lambda q=q: app.repo.list_images(_image_filter(q))))
                api_query = {**q, "page_size": PAGE}
                api_call: Callable[[], Any] = ((lambda q=api_query: app.api.list_jobs(q)) if is_job
                                               else (lambda q=api_query: app.api.list_images(q)))
                answer = api_call()
                assert answer["ok"], answer
                repo_ms, api_ms = median_ms(repo_call, args.runs), median_ms(api_call, args.runs)
                worst = max(worst, repo_ms, api_ms)
                flag = "" if max(repo_ms, api_ms) <= BUDGET_MS else "  OVER BUDGET"
                print(f"{name:34} {answer['data']['total']:>7,} {repo_ms:>8.2f} {api_ms:>8.2f}{flag}")
            print(f"worst: {worst:.2f} ms (budget {BUDGET_MS:.0f} ms)")
            if args.writes:
                record_ms, update_ms = time_writes(app.repo, args.writes)
                print(f"per image, {args.writes} images: record_image {record_ms:.3f} ms,"
                      f" update_image (pending -> approved/qc_failed) {update_ms:.3f} ms")
        finally:
            app.close()
    return 0 if worst <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
