"""Image text search on a real SQLite file: word-prefix matching through the FTS index, kept in step with rows."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from gif_app.domain import ImageStatus, JobStatus, NewImage, StockMetadata
from gif_app.store.db import open_database
from gif_app.store.repository import ImageFilter, Repository

WORDS = ("kitten", "puppy", "beach", "sunset", "forest", "café")


def _job(repo: Repository, label: str = "job") -> int:
    return repo.create_execution(label=label, configuration_id=None, settings_snapshot={}, planned=1,
                                 status=JobStatus.COMPLETED).id


def _image(repo: Repository, job: int, n: int, prompt: str, *, title: str = "",
           status: ImageStatus = ImageStatus.APPROVED) -> int:
    image = repo.record_image(NewImage(
        mapping_id=f"{job}-{n}", execution_id=job, generation_index=n, variation_index=0, prompt=prompt,
        keyword="", seed=n, provider="runware", provider_ids={}, temp_path=f"/tmp/{job}-{n}.png", cost=0.0,
        status=status))
    if title:
        repo.update_image(image.id, metadata=StockMetadata(title=title))
    return image.id


def _found(repo: Repository, search: str, **filters: object) -> list[int]:
    page = repo.list_images(ImageFilter(search=search, page_size=100, sort="oldest", **filters))  # type: ignore[arg-type]
    assert page.total == len(page.items)
    return [i.id for i in page.items]


def test_every_word_must_start_a_word_in_any_order(repo: Repository) -> None:
    job = _job(repo)
    fox = _image(repo, job, 0, "A red fox in fresh snow")
    owl = _image(repo, job, 1, "Snowy owl at the Café de Flore", title="Night hunter")
    cat = _image(repo, job, 2, "Sleeping kitten, 100% cute")
    assert _found(repo, "fox") == [fox]
    assert _found(repo, "SNOW") == [fox, owl]  # a word's start: "snow" and "snowy"
    assert _found(repo, "snow red") == [fox]  # every word, any order
    assert _found(repo, "now") == []  # the middle of a word does not match
    assert _found(repo, "itten") == []
    assert _found(repo, "cafe") == [owl] and _found(repo, "CAFÉ") == [owl]  # accents and case are ignored
    assert _found(repo, "hunt") == [owl]  # the title set later is searchable
    assert _found(repo, "100%") == [cat] and _found(repo, "kitten,") == [cat]  # punctuation is not a word
    assert _found(repo, "%_ -- ") == [fox, owl, cat]  # no word at all: no text filter
    assert _found(repo, 'fox" OR "owl') == []  # FTS syntax typed by the user stays plain words
    assert _found(repo, "fox*") == [fox] and _found(repo, "NOT fox") == []


def test_the_index_follows_edits_deletes_and_job_deletes(repo: Repository) -> None:
    keep, drop = _job(repo, "Keep"), _job(repo, "Drop")
    first = _image(repo, keep, 0, "Lighthouse on a cliff", title="Old title")
    gone = _image(repo, keep, 1, "Lighthouse at dusk")
    _image(repo, drop, 0, "Lighthouse in fog")
    repo.update_image(first, metadata=StockMetadata(title="Harbour beacon"), status=ImageStatus.APPROVED)
    assert _found(repo, "harbour") == [first] and _found(repo, "old title") == []
    repo.update_image(first, status=ImageStatus.QC_FAILED, reason="blurry")  # text unchanged: still found
    assert _found(repo, "beacon", statuses=("qc_failed",)) == [first]
    repo.delete_image(gone)
    repo.delete_execution(drop)
    assert _found(repo, "lighthouse") == [first]
    # The external-content index agrees with its table row for row.
    db: Any = repo.db
    db.execute_sql("INSERT INTO image_search (image_search, rank) VALUES ('integrity-check', 1)")


def test_lookup_and_index_walk_return_the_same_pages(repo: Repository) -> None:
    jobs = [_job(repo, f"Job {n}") for n in range(3)]
    statuses = (ImageStatus.APPROVED, ImageStatus.QC_FAILED, ImageStatus.APPROVED, ImageStatus.PENDING)
    with repo.db.atomic():
        for n in range(120):
            words = " ".join(WORDS[(n * k) % len(WORDS)] for k in (1, 2, 5))
            _image(repo, jobs[n % 3], n, f"A photo of {words}", title=f"{WORDS[n % 4]} {n:03d}",
                   status=statuses[n % 4])
    cases: list[dict[str, object]] = [{"search": s} for s in ("kitten", "beach sunset", "caf", "0", "zzz")]
    cases += [{"search": "puppy", "statuses": ("approved",)}, {"search": "forest", "execution_ids": (jobs[1],)}]
    seen_rows = 0
    for case, sort, page in itertools.product(cases, ("newest", "oldest", "title", "updated"), (1, 2, 4)):
        flt = ImageFilter(sort=sort, page=page, page_size=7, **case)  # type: ignore[arg-type]
        repo.search_lookup_limit = 10**9  # every search looks its matches up and sorts them
        looked_up = repo.list_images(flt)
        repo.search_lookup_limit = 0  # every search walks the sort index
        for window_min in (10**9, 0):  # all sorted rows, then first the fewest the match density predicts
            repo.search_window_min = window_min
            walked = repo.list_images(flt)
            assert [i.id for i in walked.items] == [i.id for i in looked_up.items], (case, sort, page, window_min)
            assert walked.total == looked_up.total
        seen_rows += len(walked.items)
    assert seen_rows > 200  # the comparison covered real pages, not only empty ones


def test_an_upgraded_database_indexes_its_existing_images(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = open_database(path, migrate_to=4)
    # Rows written as version 4 knew them: today's models carry later columns, so the job goes in by SQL.
    old.execute_sql("INSERT INTO job_execution (label, status, created_at, settings_snapshot) "
                    "VALUES ('Winter', 'completed', '2026-01-01T00:00:00', '{}')")
    job = int(old.execute_sql("SELECT id FROM job_execution").fetchone()[0])
    owl = _image(Repository(old), job, 0, "A snowy owl", title="Arctic hunter")
    old.close()
    upgraded = Repository(open_database(path))
    try:
        assert _found(upgraded, "arctic hunt") == [owl]
        new = _image(upgraded, job, 1, "An arctic fox")
        assert _found(upgraded, "arctic") == [owl, new]
    finally:
        upgraded.close()


def _assert_status_searches_agree(repo: Repository, searches: tuple[str, ...]) -> int:
    """Check every search within statuses against the search alone plus a plain status filter; return rows seen."""
    status_sets = [(s.value,) for s in ImageStatus] + [("qc_failed", "retry_failed"), ("pending", "approved"),
                                                      ("approved", "no_such_status")]
    every = {sort: repo.list_images(ImageFilter(sort=sort, page_size=10**6)).items for sort in ("newest", "title")}
    found = {s: {i.id for i in repo.list_images(ImageFilter(search=s, page_size=10**6)).items} for s in searches}
    rows = 0
    for search, statuses, sort, page in itertools.product(searches, status_sets, every, (1, 3)):
        kept = [i.id for i in every[sort] if i.id in found[search] and i.status.value in statuses]
        expected = (kept[(page - 1) * 9:page * 9], len(kept))
        # Walk all sorted rows, walk the first few sorted rows first, look every match up and sort it.
        for limit, window_min in ((0, 10**9), (0, 0), (10**9, 0)):
            repo.search_lookup_limit, repo.search_window_min = limit, window_min
            got = repo.list_images(ImageFilter(search=search, statuses=statuses, sort=sort, page=page, page_size=9))
            assert ([i.id for i in got.items], got.total) == expected, (search, statuses, sort, page, limit, window_min)
        rows += len(expected[0])
    return rows


def test_search_within_statuses_matches_a_plain_status_filter(repo: Repository) -> None:
    jobs = [_job(repo, f"Job {n}") for n in range(3)]
    statuses = list(ImageStatus)
    ids: list[int] = []
    with repo.db.atomic():
        for n in range(300):
            words = " ".join(WORDS[(n * k) % len(WORDS)] for k in (1, 3, 4))
            ids.append(_image(repo, jobs[n % 3], n, f"A photo of {words}", title=f"{WORDS[n % 5]} {n:03d}",
                              status=statuses[n % 7 % len(statuses)]))
    searches = ("kitten", "beach sun", "caf", "pending")
    assert _assert_status_searches_agree(repo, searches) > 300
    # A job moves its images out of pending one by one; some are deleted, with their job or alone.
    for n, image_id in enumerate(ids):
        if n % 3 == 0:
            repo.update_image(image_id, status=statuses[(n + 2) % len(statuses)], reason="moved")
    for image_id in ids[5:40:4]:
        repo.delete_image(image_id)
    repo.delete_execution(jobs[2])
    assert _assert_status_searches_agree(repo, searches) > 150
    db: Any = repo.db
    db.execute_sql("INSERT INTO image_search (image_search, rank) VALUES ('integrity-check', 1)")


def test_a_status_is_found_only_by_its_filter_and_exactly(repo: Repository) -> None:
    job = _job(repo)
    waiting = _image(repo, job, 0, "A kitten on a rug", status=ImageStatus.PENDING)
    retrying = _image(repo, job, 1, "A kitten on a sofa", status=ImageStatus.RETRY_PENDING)
    approved = _image(repo, job, 2, "An approved kitten", status=ImageStatus.APPROVED)
    assert _found(repo, "approved") == [approved]  # the word in the text, not the status
    assert _found(repo, "pending") == []
    assert _found(repo, "kitten", statuses=("pending",)) == [waiting]  # not "retry_pending"
    assert _found(repo, "kitten", statuses=("retry_pending",)) == [retrying]
    repo.update_image(retrying, status=ImageStatus.PENDING)
    assert _found(repo, "kitten", statuses=("pending",)) == [waiting, retrying]
    assert _found(repo, "kitten", statuses=("retry_pending",)) == []
