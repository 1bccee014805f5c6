"""Run a job's generations through the stages with bounded concurrency, cancellation and progress."""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from gif_app.domain import CancelToken, GeneratedImage, ImageStatus
from gif_app.errors import AppError, AuthenticationError, CancelledError, ProviderError
from gif_app.logs import JobLog
from gif_app.pipeline.charging import generation_paid
from gif_app.pipeline.context import Generation, RunContext
from gif_app.pipeline.generate import render_generation
from gif_app.pipeline.image_stages import JOB_ENDING_ERRORS, run_image
from gif_app.pipeline.imports import import_source
from gif_app.pipeline.prompts import write_prompt
from gif_app.vendors import vendor_label

log = logging.getLogger(__name__)

# Errors that would fail every later call too: they end the run instead of each generation or image.
FATAL = JOB_ENDING_ERRORS
_IMAGE, _GENERATION = 0, 1


@dataclass
class RunOutcome:
    """How a run ended."""

    fatal_error: AppError | None = None
    failed_generations: list[int] = field(default_factory=list)
    was_stopped: bool = False
    # Renders a force stop left running: already sent, so billed; their images are still recorded pending.
    kept_renders: list[threading.Thread] = field(default_factory=list)

    def wait_for_kept_renders(self, timeout_s: float | None = None) -> int:
        """Wait for the renders a force stop kept (each is bounded by its own timeouts); return how many ran."""
        for thread in list(self.kept_renders):
            thread.join(timeout_s)
        return len(self.kept_renders)


def ending_message(exc: AppError) -> str:
    """Return a job-ending error's message with what to do about it, unless it already points to Settings."""
    if "Settings" in exc.message or not isinstance(exc, ProviderError):
        return exc.message
    label = vendor_label(exc.vendor)
    if isinstance(exc, AuthenticationError):
        return f"{exc.message} Check the {label} API key in Settings → API keys, then resume the job."
    return f"{exc.message} Add credits to the {label} account, then resume the job."


def render_keeping_paid_work(ctx: RunContext, generation: Generation, prompt: str,
                             kept: list[threading.Thread], run_threads: set[int]) -> list[GeneratedImage]:
    """Render on a thread the force stop does not abandon: the job stops waiting, the paid render goes on.

    A render call already sent is billed whatever the job does, so a force stop raises CancelledError here
    at once while the render runs to its end (bounded by its timeouts) and records its images `pending`
    (in temp, no stage run) for resume. The job ends without it; the job service waits for it afterwards.
    """
    if ctx.cancel.is_aborted:
        raise CancelledError("Stopped by the user.")  # nothing sent yet: nothing to keep
    render_ctx = replace(ctx, cancel=CancelToken())  # never aborted: abandoning the call would waste the charge
    ctx.spend.watch(render_ctx.cancel)  # a cap reached refuses its top-ups and further tasks too
    done = threading.Event()

    def on_force_stop() -> None:
        # Before force_stop() returns: the render's retries, top-ups and further tasks would be new charges.
        render_ctx.cancel.refuse_new_charges()
        done.set()

    box: dict[str, list[GeneratedImage] | BaseException] = {}

    def target() -> None:
        # Registered by the thread itself, before it can log: its provider warnings (retries, Retry-After
        # waits, vendor notices) reach the job log.
        run_threads.add(threading.get_ident())
        try:
            box["images"] = render_generation(render_ctx, generation, prompt)
            if ctx.cancel.is_aborted:
                ctx.log.info(f"Generation {generation.index + 1}: the render in flight at the force stop is "
                             f"kept, its images wait for resume", step="generation")
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting worker, or logged once it left
            box["error"] = exc
            if ctx.cancel.is_aborted:
                ctx.log.warning(f"Generation {generation.index + 1}: the render in flight at the force stop "
                                f"failed: {exc}", step="generation")
        finally:
            run_threads.discard(threading.get_ident())
            done.set()

    thread = threading.Thread(target=target, name=f"gif-render-{generation.index}", daemon=True)
    handle = ctx.cancel.add_abort_hook(on_force_stop)  # registered before the thread can send anything
    try:
        thread.start()
        done.wait()
    finally:
        ctx.cancel.remove_abort_hook(handle)
    result = box.get("images", box.get("error"))
    if isinstance(result, BaseException):
        raise result
    if result is not None:
        return result
    render_ctx.cancel.request_stop()  # whatever checks for a stop starts nothing new; the call itself goes on
    kept.append(thread)
    raise CancelledError("Stopped by the user; the render already sent is kept.")


class _ProviderWarnings(logging.Handler):
    """Mirror provider warnings (retries, Retry-After waits, poll errors) raised on the run's threads."""

    def __init__(self, job_log: JobLog, threads: set[int]) -> None:
        super().__init__(logging.WARNING)
        self._job_log = job_log
        self._threads = threads

    def emit(self, record: logging.LogRecord) -> None:
        """Write the warning to the job log when one of this run's workers raised it."""
        if record.thread in self._threads:
            # Not echoed to `logging`: the provider's own record is there already (warnings show once).
            self._job_log.warning(record.getMessage(), step="provider", is_echoed=False)


@contextmanager
def _mirrored_provider_warnings(job_log: JobLog, threads: set[int]) -> Iterator[None]:
    """Show provider retries in the job's own log while the run lasts (they are otherwise in the app log)."""
    handler = _ProviderWarnings(job_log, threads)
    providers_log = logging.getLogger("gif_app.providers")
    providers_log.addHandler(handler)
    try:
        yield
    finally:
        providers_log.removeHandler(handler)


class _Pool:
    """N worker threads over a priority queue: image work before new generations (bounded memory)."""

    def __init__(self, size: int, on_error: Callable[[BaseException], None]) -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, Callable[[], None] | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._pending = 0
        self._idle = threading.Condition()
        self._on_error = on_error
        self._threads = [threading.Thread(target=self._loop, name=f"gif-job-{i}", daemon=True)
                         for i in range(size)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    @property
    def thread_ids(self) -> set[int]:
        """Return the idents of the started worker threads."""
        return {t.ident for t in self._threads if t.ident is not None}

    def submit(self, priority: int, task: Callable[[], None]) -> None:
        with self._idle:
            self._pending += 1
        self._queue.put((priority, next(self._order), task))

    def _loop(self) -> None:
        while True:
            _, _, task = self._queue.get()
            if task is None:
                return
            try:
                task()
            except BaseException as exc:  # noqa: BLE001 - a worker must never die silently
                self._on_error(exc)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def wait_idle(self) -> None:
        with self._idle:
            while self._pending:
                self._idle.wait()

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put((99, next(self._order), None))
        for thread in self._threads:
            thread.join(timeout=30)


def run_generations(ctx: RunContext, pending_images: Iterable[GeneratedImage] = ()) -> RunOutcome:
    """Run every planned generation (plus images left pending by an earlier run) and wait for them."""
    outcome = RunOutcome()
    lock = threading.Lock()

    def on_error(exc: BaseException) -> None:
        log.exception("unexpected error in a job worker", exc_info=exc)
        ctx.log.error(f"Unexpected error: {exc}", step="job")

    def fail_fatally(exc: AppError) -> None:
        with lock:
            if outcome.fatal_error is None:
                outcome.fatal_error = exc
                ctx.log.error(f"Stopping the job: {ending_message(exc)}", step="job", error_code=exc.code)
        ctx.cancel.request_stop()

    pool = _Pool(max(1, ctx.plan.concurrency), on_error)
    run_threads: set[int] = set()  # the pool's workers and their render threads

    def image_task(image: GeneratedImage) -> Callable[[], None]:
        def task() -> None:
            try:
                done = run_image(ctx, image)
            except FATAL as exc:
                fail_fatally(exc)
                ctx.events.progress("image_done", generation=image.generation_index, status="pending")
                return
            ctx.events.progress("image_done", generation=image.generation_index, status=done.status.value)
        return task

    def generation_task(generation: Generation) -> Callable[[], None]:
        def task() -> None:
            if ctx.cancel.is_stopping:
                return
            ctx.events.progress("generation_started", generation=generation.index)
            if generation.source:  # an import: no prompt, no render, nothing paid
                images = [i for i in import_source(ctx, generation) if i.status is ImageStatus.PENDING]
                if not images:  # unreadable or a duplicate: recorded and flagged, it goes no further
                    ctx.events.progress("generation_failed", generation=generation.index)
                    return
                ctx.events.progress("rendered", generation=generation.index, images=len(images))
                pool.submit(_IMAGE, image_task(images[0]))
                return
            try:
                # Prompt and render are admitted together: a cap never pays for a prompt it cannot render.
                with generation_paid(ctx, ctx.plan.use_llm_prompts and ctx.providers.prompt_writer is not None):
                    prompt = write_prompt(ctx, generation)
                    ctx.log.info(f"Prompt: {prompt}", step="prompt", sub_step=f"generation {generation.index + 1}")
                    images = render_keeping_paid_work(ctx, generation, prompt, outcome.kept_renders, run_threads)
            except CancelledError:
                ctx.events.progress("generation_failed", generation=generation.index)
                return
            except FATAL as exc:
                fail_fatally(exc)
                ctx.events.progress("generation_failed", generation=generation.index)
                return
            except AppError as exc:
                with lock:
                    outcome.failed_generations.append(generation.index)
                ctx.log.error(f"Generation {generation.index + 1} failed: {exc.message}", step="generation",
                              error_code=exc.code)
                ctx.events.progress("generation_failed", generation=generation.index)
                return
            ctx.events.progress("rendered", generation=generation.index, images=len(images))
            for image in images:
                pool.submit(_IMAGE, image_task(image))
        return task

    pool.start()
    try:
        run_threads.update(pool.thread_ids)
        with _mirrored_provider_warnings(ctx.log, run_threads):
            for image in pending_images:
                if image.status is ImageStatus.PENDING and image.temp_path:
                    pool.submit(_IMAGE, image_task(image))
            for generation in ctx.plan.generations:
                pool.submit(_GENERATION, generation_task(generation))
            pool.wait_idle()
    finally:
        pool.close()
    outcome.was_stopped = ctx.cancel.is_stopping and outcome.fatal_error is None
    return outcome
