"""The repository on a real SQLite file: lists, filters, sorts, cascades, counters, queues and threads."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from gif_app.domain import (
    ImageStatus,
    JobStatus,
    LogLevel,
    LogRecord,
    NewImage,
    ProcessingRecord,
    RetryStatus,
    StockMetadata,
)
from gif_app.errors import ConflictError, NotFoundError
from gif_app.store.repository import ImageFilter, JobFilter, Repository


def _job(repo: Repository, label: str = "job", status: JobStatus = JobStatus.COMPLETED, *,
         parent_id: int | None = None, queue: bool = False) -> int:
    execution = repo.create_execution(label=label, configuration_id=None, settings_snapshot={"k": 1},
                                      planned=4, status=status, parent_id=parent_id, queue=queue)
    return execution.id


def _image(repo: Repository, execution_id: int, n: int, *, prompt: str = "a red fox in snow",
           keyword: str = "fox", status: ImageStatus = ImageStatus.PENDING, reason: str | None = None,
           cost: float = 0.01, temp_path: str | None = None) -> int:
    return repo.record_image(NewImage(
        mapping_id=f"{execution_id}-{n}", execution_id=execution_id, generation_index=n // 2,
        variation_index=n % 2, prompt=prompt, keyword=keyword, seed=1000 + n, provider="runware",
        provider_ids={"taskUUID": f"t{n}"}, temp_path=temp_path or f"/tmp/gif/{execution_id}-{n}.png",
        cost=cost, status=status, reason=reason,
    )).id


def test_record_get_and_update_an_image(repo: Repository) -> None:
    job = _job(repo)
    image_id = _image(repo, job, 0)
    image = repo.get_image(image_id)
    assert image.status is ImageStatus.PENDING
    assert image.provider_ids == {"taskUUID": "t0"} and image.seed == 1000
    meta = StockMetadata(title="Red fox", description="A fox in fresh snow", keywords=("fox", "winter"))
    updated = repo.update_image(image_id, status=ImageStatus.APPROVED, final_path="/out/fox.png", metadata=meta,
                                processing=ProcessingRecord(applied=("trim",)))
    assert updated.status is ImageStatus.APPROVED and updated.current_path == "/out/fox.png"
    assert repo.get_image(image_id).metadata == meta
    assert repo.get_image(image_id).temp_path == f"/tmp/gif/{job}-0.png"  # untouched field survives
    assert repo.get_image(image_id).processing.applied == ("trim",)
    with pytest.raises(ConflictError):
        _image(repo, job, 0)  # same mapping id: never recorded twice
    with pytest.raises(NotFoundError):
        repo.get_image(9999)


def test_list_images_filters_by_status_job_and_text(repo: Repository) -> None:
    fox_job, cat_job = _job(repo, "Foxes"), _job(repo, "Cats")
    fox = _image(repo, fox_job, 0, status=ImageStatus.APPROVED)
    _image(repo, fox_job, 1, status=ImageStatus.QC_FAILED, reason="blurry")
    cat = _image(repo, cat_job, 0, prompt="a sleeping cat", keyword="cat")
    repo.update_image(cat, metadata=StockMetadata(title="Tabby Nap", keywords=("Whiskers",)))

    approved = repo.list_images(ImageFilter(statuses=("approved",)))
    assert [i.id for i in approved.items] == [fox] and approved.total == 1
    assert approved.items[0].execution_label == "Foxes"
    assert repo.list_images(ImageFilter(execution_ids=(cat_job,))).total == 1
    assert [i.id for i in repo.list_images(ImageFilter(search="RED FOX")).items] == [_id(repo, fox_job, 1), fox]
    assert [i.id for i in repo.list_images(ImageFilter(search="tabby")).items] == [cat]  # title
    assert [i.id for i in repo.list_images(ImageFilter(search="whiskers")).items] == [cat]  # keywords
    assert repo.list_images(ImageFilter(search="100%_")).total == 0  # wildcards are literal


def _id(repo: Repository, execution_id: int, n: int) -> int:
    found = repo.find_image_by_mapping(f"{execution_id}-{n}")
    assert found is not None
    return found.id


def test_list_images_by_date_range_sort_and_pages(repo: Repository) -> None:
    job = _job(repo)
    ids = [_image(repo, job, 0)]
    middle = datetime.now()
    ids += [_image(repo, job, n) for n in range(1, 7)]
    created = [repo.get_image(i).created_at for i in ids]
    assert created == sorted(created) and created[0] < middle <= created[1]

    later = repo.list_images(ImageFilter(date_from=middle, sort="oldest", page_size=100))
    assert [i.id for i in later.items] == ids[1:]
    assert repo.list_images(ImageFilter(date_to=middle)).total == 1
    page2 = repo.list_images(ImageFilter(sort="newest", page=2, page_size=3))
    assert page2.total == 7 and page2.page == 2
    assert [i.id for i in page2.items] == list(reversed(ids))[3:6]
    last = repo.list_images(ImageFilter(sort="newest", page=3, page_size=3))
    assert [i.id for i in last.items] == [ids[0]]


def test_list_images_processing_failures_apart_from_qc(repo: Repository) -> None:
    job = _job(repo)
    qc = _image(repo, job, 0, status=ImageStatus.QC_FAILED, reason="watermark")
    proc = _image(repo, job, 1, status=ImageStatus.QC_FAILED, reason="processing_failed:remove_bg")
    failed = ("qc_failed",)
    assert [i.id for i in repo.list_images(ImageFilter(statuses=failed, failed_only_processing=True)).items] == [
        proc]
    assert [i.id for i in repo.list_images(ImageFilter(statuses=failed, failed_only_processing=False)).items] == [
        qc]


def test_list_executions_filters(repo: Repository) -> None:
    autumn = _job(repo, "Autumn Leaves")
    spring = _job(repo, "spring flowers", status=JobStatus.FAILED)
    _job(repo, "Rerun of autumn", status=JobStatus.QUEUED, parent_id=autumn, queue=True)

    assert _ids(repo, JobFilter(status=("failed",))) == [spring]
    assert set(_ids(repo, JobFilter(search="AUTUMN"))) == {autumn, autumn + 2}
    assert _ids(repo, JobFilter(search=str(spring))) == [spring]
    assert _ids(repo, JobFilter(has_queued_rerun=True)) == [autumn]
    assert repo.list_executions(JobFilter(page_size=2)).total == 3


def _ids(repo: Repository, flt: JobFilter) -> list[int]:
    return [e.id for e in repo.list_executions(flt).items]


def test_list_executions_sorts(repo: Repository) -> None:
    start = datetime(2025, 1, 1, 10, 0, 0)
    short = _job(repo, "beta")
    long = _job(repo, "Alpha")
    never = _job(repo, "gamma", status=JobStatus.QUEUED)
    repo.update_execution(short, started_at=start, finished_at=start + timedelta(minutes=1), approved=7)
    repo.update_execution(long, started_at=start, finished_at=start + timedelta(hours=1), approved=2)

    assert _ids(repo, JobFilter(sort="newest")) == [never, long, short]
    assert _ids(repo, JobFilter(sort="oldest")) == [short, long, never]
    assert _ids(repo, JobFilter(sort="name")) == [long, short, never]
    assert _ids(repo, JobFilter(sort="duration")) == [long, short, never]
    assert _ids(repo, JobFilter(sort="images")) == [short, long, never]


def test_delete_execution_cascades_and_returns_files(repo: Repository) -> None:
    job, other = _job(repo), _job(repo)
    first = _image(repo, job, 0, temp_path="/tmp/a.png")
    second = _image(repo, job, 1, temp_path="/tmp/b.png")
    repo.update_image(second, final_path="/out/b.png")
    kept = _image(repo, other, 0)
    repo.append_logs(job, [LogRecord(time=datetime.now(), level=LogLevel.INFO, message="hello")])
    repo.enqueue_retry(first, "original", {})

    paths = repo.delete_execution(job)
    assert sorted(paths) == ["/out/b.png", "/tmp/a.png", "/tmp/b.png"]
    for image_id in (first, second):
        with pytest.raises(NotFoundError):
            repo.get_image(image_id)
    assert repo.logs_of_execution(job) == []
    assert repo.retry_tasks() == []
    assert repo.get_image(kept).execution_id == other
    with pytest.raises(NotFoundError):
        repo.get_execution(job)
    with pytest.raises(NotFoundError):
        repo.delete_execution(job)


def test_running_execution_cannot_be_deleted(repo: Repository) -> None:
    job = _job(repo, status=JobStatus.RUNNING)
    _image(repo, job, 0)
    with pytest.raises(ConflictError):
        repo.delete_execution(job)
    assert repo.get_execution(job).status is JobStatus.RUNNING
    assert len(repo.images_of_execution(job)) == 1


def test_update_execution_touches_only_the_given_columns(repo: Repository) -> None:
    job = _job(repo, "My custom label", status=JobStatus.QUEUED)
    repo.update_execution(job, status=JobStatus.RUNNING)
    repo.mark_started(job)
    finished = repo.finish_execution(job, JobStatus.COMPLETED)
    assert finished.label == "My custom label"
    assert finished.settings_snapshot == {"k": 1}
    assert finished.status is JobStatus.COMPLETED and finished.finished_at is not None
    assert repo.rename_execution(job, "  Renamed  ").label == "Renamed"
    with pytest.raises(ConflictError):
        repo.rename_execution(job, "   ")


def test_configurations_with_the_same_name_stay_separate(repo: Repository) -> None:
    first = repo.create_configuration("Daily", {"parameters": {"count": 1}})
    second = repo.create_configuration("Daily", {"parameters": {"count": 9}})
    assert first.id != second.id
    repo.update_configuration(second.id, settings={"parameters": {"count": 5}})
    assert repo.get_configuration(first.id).settings == {"parameters": {"count": 1}}
    assert repo.get_configuration(second.id).settings == {"parameters": {"count": 5}}
    with pytest.raises(NotFoundError):
        repo.update_configuration(999, name="x")


def test_refresh_counts_and_statistics(repo: Repository) -> None:
    job = _job(repo, status=JobStatus.RUNNING)
    _image(repo, job, 0, status=ImageStatus.APPROVED, cost=0.25)
    _image(repo, job, 1, status=ImageStatus.APPROVED, cost=0.25)
    _image(repo, job, 2, status=ImageStatus.QC_FAILED, reason="text in image", cost=0.25)
    _image(repo, job, 3, status=ImageStatus.RETRY_FAILED, reason="processing_failed:convert", cost=0.25)
    repo.mark_started(job)
    done = repo.finish_execution(job, JobStatus.COMPLETED)
    assert (done.generated, done.approved, done.qc_failed, done.failed) == (4, 2, 1, 1)
    assert done.cost == pytest.approx(1.0)
    _job(repo, status=JobStatus.FAILED)

    stats = repo.job_statistics()
    assert stats["total_jobs"] == 2
    assert stats["images_generated"] == 4 and stats["images_approved"] == 2
    assert stats["success_rate"] == 0.5
    assert stats["cost"] == 1.0
    assert stats["by_status"] == {"completed": 1, "failed": 1}
    assert stats["average_duration_s"] >= 0.0
    assert repo.count_images_by_status(job) == {"approved": 2, "qc_failed": 1, "retry_failed": 1}


def test_retry_queue_order_and_crash_recovery(repo: Repository) -> None:
    job = _job(repo)
    a, b = _image(repo, job, 0), _image(repo, job, 1)
    first = repo.enqueue_retry(a, "modified", {"processing": {"trim": True}})
    second = repo.enqueue_retry(b, "original", {})
    assert repo.next_retry_task() == first
    assert first.settings == {"processing": {"trim": True}} and first.status is RetryStatus.PENDING
    repo.update_retry_task(first.id, RetryStatus.PROCESSING)
    next_task = repo.next_retry_task()
    assert next_task is not None and next_task.id == second.id
    assert repo.reset_stuck_retries() == 1  # the app crashed while `first` was processing
    again = repo.next_retry_task()
    assert again is not None and again.id == first.id
    failed = repo.update_retry_task(second.id, RetryStatus.FAILED, error="convert failed")
    assert failed.error == "convert failed"
    assert [t.id for t in repo.retry_tasks((RetryStatus.FAILED,))] == [second.id]
    with pytest.raises(NotFoundError):
        repo.update_retry_task(999, RetryStatus.DONE)


def test_queue_keeps_run_order(repo: Repository) -> None:
    ids = [_job(repo, f"q{n}", status=JobStatus.QUEUED, queue=True) for n in range(3)]
    assert [e.id for e in repo.queued_executions()] == ids
    assert [e.queue_position for e in repo.queued_executions()] == [1, 2, 3]
    repo.mark_started(ids[0])
    assert [e.id for e in repo.queued_executions()] == ids[1:]


def test_concurrent_writers_from_four_threads_all_land(repo: Repository) -> None:
    per_thread = 15
    barrier = threading.Barrier(4, timeout=30)
    errors: list[BaseException] = []
    made: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        try:
            barrier.wait()
            job = _job(repo, f"thread {n}", status=JobStatus.QUEUED, queue=True)
            with lock:
                made.append(job)
            for i in range(per_thread):
                image_id = _image(repo, job, i)
                repo.update_image(image_id, status=ImageStatus.APPROVED, final_path=f"/out/{n}-{i}.png")
                repo.append_logs(job, [LogRecord(time=datetime.now(), level=LogLevel.INFO, message=f"{i}")])
                repo.record_generation_done(job, i)
            repo.refresh_counts(job)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            repo.close()  # this thread's connection

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert len(made) == 4
    assert repo.list_images(ImageFilter(statuses=("approved",))).total == 4 * per_thread
    assert sorted(e.queue_position or 0 for e in repo.queued_executions()) == [1, 2, 3, 4]
    for job in made:
        execution = repo.get_execution(job)
        assert execution.approved == per_thread
        assert execution.completed_generations == tuple(range(per_thread))
        assert len(repo.logs_of_execution(job)) == per_thread


def test_every_image_read_carries_its_job_id_and_label(repo: Repository) -> None:
    execution = repo.get_execution(_job(repo, "Autumn leaves"))
    _image(repo, execution.id, 1)
    reads = [
        repo.list_images(ImageFilter()).items,
        repo.images_of_execution(execution.id),
        repo.images_changed_since(datetime.now() - timedelta(minutes=5)),
    ]
    for images in reads:
        assert [(i.execution_id, i.execution_label) for i in images] == [(execution.id, "Autumn leaves")]
