"""Generated images: record on arrival, move through statuses, list with server-side filters."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import peewee

from gif_app.domain import GeneratedImage, ImageStatus, NewImage, Page, ProcessingRecord, StockMetadata
from gif_app.errors import ConflictError, NotFoundError
from gif_app.store import convert
from gif_app.store.convert import dumps, now
from gif_app.store.models import ChargeRow, GeneratedImageRow, JobExecutionRow

_UNSET: Any = object()
QC_REASON = "qc"
_PROCESSING_PREFIX = "processing_failed:"


@dataclass(frozen=True)
class ImageFilter:
    """Filters, sort and page for image lists (all applied in SQL)."""

    statuses: tuple[str, ...] = ()
    execution_ids: tuple[int, ...] = ()
    date_from: datetime | None = None
    date_to: datetime | None = None
    search: str = ""
    failed_only_processing: bool | None = None
    # Only images with a soft failure of this processing stage ("remove_bg": the background was kept).
    soft_failure_stage: str = ""
    # Failure reason: "qc" (the QC model's own words: any reason not a processing stage) or one stored reason.
    reason: str = ""
    sort: str = "newest"  # newest | oldest | title
    page: int = 1
    page_size: int = 50


_SORTS = {
    "newest": (GeneratedImageRow.created_at.desc(), GeneratedImageRow.id.desc()),
    "oldest": (GeneratedImageRow.created_at.asc(), GeneratedImageRow.id.asc()),
    "title": (GeneratedImageRow.title_sort.asc(), GeneratedImageRow.id.asc()),
    "updated": (GeneratedImageRow.updated_at.desc(), GeneratedImageRow.id.desc()),
}


def _conditions(flt: ImageFilter) -> list[Any]:
    """Return the SQL conditions of an image filter."""
    img = GeneratedImageRow
    conds: list[Any] = []
    if flt.statuses:
        conds.append(img.status.in_(list(flt.statuses)))
    if flt.execution_ids:
        conds.append(img.execution.in_(list(flt.execution_ids)))
    if flt.date_from:
        conds.append(img.created_at >= flt.date_from)
    if flt.date_to:
        conds.append(img.created_at <= flt.date_to)
    if flt.failed_only_processing is True:
        conds.append(img.reason.startswith("processing_failed:"))
    elif flt.failed_only_processing is False:
        conds.append(~img.reason.startswith("processing_failed:") | img.reason.is_null())
    if flt.soft_failure_stage:
        conds.extend(_soft_failed_without_result(flt.soft_failure_stage))
    if flt.reason == QC_REASON:
        conds.append(~img.reason.startswith(_PROCESSING_PREFIX) | img.reason.is_null())
    elif flt.reason:
        conds.append(img.reason == flt.reason)
    return conds


def reason_group(reason: str | None) -> str:
    """Return the reason filter an image's reason falls under ("qc" for the QC model's free text)."""
    return reason if reason and reason.startswith(_PROCESSING_PREFIX) else QC_REASON


def _soft_failed_without_result(stage: str) -> list[Any]:
    """Return conditions for a stage that soft-failed and left no result (a smaller remove.bg cut-out
    soft-fails too, but its stage is in `applied`: that image has no background left)."""
    img = GeneratedImageRow
    # json_extract gives an array as minified JSON text, whatever spacing the row was stored with.
    soft = peewee.fn.coalesce(peewee.fn.json_extract(img.processing, "$.soft_failures"), "[]")
    applied = peewee.fn.coalesce(peewee.fn.json_extract(img.processing, "$.applied"), "[]")
    return [peewee.fn.instr(soft, f'"stage":"{stage}"') > 0, peewee.fn.instr(applied, f'"{stage}"') == 0]


# The words of a search: runs of letters and digits (the FTS tokenizer splits the stored text likewise).
_WORD = re.compile(r"[^\W_]+")
_FTS_MATCH = "image_search MATCH ? AND rowid BETWEEN ? AND ?"
_NO_BOUND = (-(2**63), 2**63 - 1)


def _status_query(status: str, others: list[str]) -> str | None:
    """Return an FTS5 query that matches exactly this status among the others (None: no query does)."""
    words = _WORD.findall(status)
    others_words = [set(_WORD.findall(other)) for other in others if other != status]
    # Plain words are cheaper than a phrase: one word only this status has, else all its words together.
    for needed in [[word] for word in words] + [words]:
        if not any(set(needed) <= other for other in others_words):
            return "(" + " AND ".join(f'"{word}"' for word in needed) + ")"
    # A phrase anchored at the column start: "pending" but not "retry_pending" (slower, it reads positions).
    spans = [_WORD.findall(other) for other in others if other != status]
    if not any(span[:len(words)] == words for span in spans):
        return '^"' + " ".join(words) + '"'
    return None


# How the index finds each status; the repository only ever writes these values to generated_image.status.
_STATUS_QUERIES = {s.value: q for s in ImageStatus if (q := _status_query(s.value, list(ImageStatus))) is not None}


def match_expression(search: str) -> str | None:
    """Return the FTS5 query for a search box text (every word starts a word), or None when it has no word."""
    words = _WORD.findall(search)
    if not words:
        return None
    # Each word quoted (quotes doubled) so that FTS operators typed by the user stay plain text; the column
    # filter keeps words from matching the indexed status ("approved" is not a search hit).
    return "search_text: (" + " AND ".join('"' + word.replace('"', '""') + '"*' for word in words) + ")"


def status_expression(statuses: tuple[str, ...]) -> str | None:
    """Return the FTS5 query for "status is one of these", or None when a status has no exact query."""
    if not statuses or not set(statuses) <= _STATUS_QUERIES.keys():
        return None
    return "status: (" + " OR ".join(_STATUS_QUERIES[status] for status in dict.fromkeys(statuses)) + ")"


def _search_condition(match: str, bounds: tuple[int, int], *, by_lookup: bool) -> Any:
    """Return `id IN (FTS rowids)`: as a rowid lookup, or hidden from the planner so it walks a sort index."""
    rowids = peewee.SQL(f"(SELECT rowid FROM image_search WHERE {_FTS_MATCH})", [match, *bounds])
    # `id + 0` cannot use the primary key, so SQLite walks the ORDER BY (or filter) index and stops at the
    # page end instead of looking up and sorting every match; both forms select exactly the same rows.
    column = GeneratedImageRow.id if by_lookup else GeneratedImageRow.id + 0
    return column.in_(rowids)


class ImagesRepository:
    """Reads and writes of generated images."""

    db: peewee.SqliteDatabase
    # Text searches matching fewer rows than this look each match up and sort them; larger ones walk an index.
    search_lookup_limit: int = 5_000
    # Sorted rows a many-match search first looks through, beyond what the match density predicts.
    search_window_min: int = 200
    search_window_max: int = 4_000

    def record_image(self, new: NewImage) -> GeneratedImage:
        """Record a paid-for image the moment its file is on disk."""
        stamp = now()
        try:
            with self.db.atomic():
                row = GeneratedImageRow.create(
                    mapping_id=new.mapping_id, execution=new.execution_id, generation_index=new.generation_index,
                    variation_index=new.variation_index, prompt=new.prompt, keyword=new.keyword, seed=new.seed,
                    provider=new.provider, provider_ids=dumps(new.provider_ids), status=new.status.value,
                    reason=new.reason, temp_path=new.temp_path, cost=new.cost, created_at=stamp, updated_at=stamp,
                    search_text=convert.search_text(new.prompt, new.keyword, StockMetadata()),
                )
                if new.cost > 0:
                    # A cost given with the image (an adopted orphan, older callers) is a render charge.
                    ChargeRow.create(execution=new.execution_id, image=row.id, vendor=new.provider,
                                     model=str(new.provider_ids.get("model", "")), step="render",
                                     amount=round(new.cost, 6), is_estimated=False, at=stamp)
        except peewee.IntegrityError as exc:
            raise ConflictError(f"Image {new.mapping_id} is already recorded.") from exc
        return convert.image(row)

    def get_image(self, image_id: int) -> GeneratedImage:
        """Return one image or raise NotFoundError."""
        row = GeneratedImageRow.get_or_none(GeneratedImageRow.id == image_id)
        if row is None:
            raise NotFoundError(f"Image {image_id} does not exist.")
        return convert.image(row)

    def find_image_by_mapping(self, mapping_id: str) -> GeneratedImage | None:
        """Return the image with this mapping id, if recorded."""
        row = GeneratedImageRow.get_or_none(GeneratedImageRow.mapping_id == mapping_id)
        return convert.image(row) if row else None

    def update_image(self, image_id: int, *, status: ImageStatus | None = None, reason: str | None = _UNSET,
                     temp_path: str | None = _UNSET, final_path: str | None = _UNSET,
                     metadata: StockMetadata | None = None, processing: ProcessingRecord | None = None,
                     ) -> GeneratedImage:
        """Update only the given fields of one image, in one transaction."""
        with self.db.atomic():
            row = GeneratedImageRow.get_or_none(GeneratedImageRow.id == image_id)
            if row is None:
                raise NotFoundError(f"Image {image_id} does not exist.")
            if status is not None:
                row.status = status.value
            if reason is not _UNSET:
                row.reason = reason
            if temp_path is not _UNSET:
                row.temp_path = temp_path
            if final_path is not _UNSET:
                row.final_path = final_path
            if metadata is not None:
                row.metadata = dumps(metadata.to_json())
                row.search_text = convert.search_text(row.prompt, row.keyword, metadata)
                row.title_sort = metadata.title.lower()
            if processing is not None:
                row.processing = dumps(processing.to_json())
            row.updated_at = now()
            row.save()
        return convert.image(row)

    def update_provider_ids(self, image_id: int, provider_ids: dict[str, Any]) -> GeneratedImage:
        """Replace an image's vendor ids (a lost answer read back from the vendor, or its "no result")."""
        with self.db.atomic():
            updated = GeneratedImageRow.update(provider_ids=dumps(provider_ids), updated_at=now()).where(
                GeneratedImageRow.id == image_id).execute()
            if not updated:
                raise NotFoundError(f"Image {image_id} does not exist.")
            return convert.image(GeneratedImageRow.get_by_id(image_id))

    def images_of_execution(self, execution_id: int, statuses: tuple[str, ...] = ()) -> list[GeneratedImage]:
        """Return every image of one execution (only these statuses, when given) in generation order."""
        img = GeneratedImageRow
        conds = [img.execution == execution_id] + ([img.status.in_(list(statuses))] if statuses else [])
        rows = (img.select(img, JobExecutionRow.id, JobExecutionRow.label).join(JobExecutionRow)
                .where(*conds)
                .order_by(img.generation_index, img.variation_index, img.id))
        return [convert.image(r, r.execution.label) for r in rows]

    def imported_hashes(self, provider: str, exclude_executions: set[int]) -> dict[str, str]:
        """Return content hash -> "mapping id (job N)" of the first image of each hash brought in by `provider`."""
        img = GeneratedImageRow
        rows = (img.select(img.mapping_id, img.execution, img.provider_ids)
                .where(img.provider == provider, img.execution.not_in(list(exclude_executions) or [0]))
                .order_by(img.id))
        found: dict[str, str] = {}
        for row in rows:
            sha = str(convert.loads(row.provider_ids, {}).get("sha256") or "")
            if sha and sha not in found:
                found[sha] = f"{row.mapping_id} (job {row.__data__.get('execution')})"
        return found

    def images_changed_since(self, stamp: datetime, limit: int = 200) -> list[GeneratedImage]:
        """Return images updated at or after `stamp`, oldest change first (for live polling)."""
        img = GeneratedImageRow
        rows = (img.select(img, JobExecutionRow.id, JobExecutionRow.label).join(JobExecutionRow)
                .where(img.updated_at >= stamp).order_by(img.updated_at, img.id).limit(limit))
        return [convert.image(r, r.execution.label) for r in rows]

    def list_images(self, flt: ImageFilter) -> Page[GeneratedImage]:
        """Return one page of images with their job labels, filtered and sorted in SQL."""
        img = GeneratedImageRow
        conds = _conditions(flt)
        page = max(1, flt.page)
        order = _SORTS.get(flt.sort, _SORTS["newest"])
        match = match_expression(flt.search)
        if match is not None:
            status_match = status_expression(flt.statuses)
            if status_match is not None:  # the index holds the status: counted and paged without the table
                match, conds = f"{match} AND {status_match}", _conditions(replace(flt, statuses=()))
            return self._search_page(flt, conds, match, page)
        ids = img.select(img.id)
        if conds:
            ids = ids.where(*conds)
        total = ids.count()
        # Page over ids alone (index only), then load just those rows: deep pages skip no full rows.
        return Page(self._load_page(ids.order_by(*order).paginate(page, flt.page_size), order), total, page,
                    flt.page_size)

    def _search_page(self, flt: ImageFilter, conds: list[Any], match: str, page: int) -> Page[GeneratedImage]:
        """Return one page of a text search: few matches are all sorted at once, many walk the sort index."""
        img = GeneratedImageRow
        order = _SORTS.get(flt.sort, _SORTS["newest"])
        # Only job and date filters gather their rows in a narrow id range; statuses spread over all ids.
        narrow = bool(flt.execution_ids or flt.date_from or flt.date_to)
        bounds = self._id_bounds(conds) if narrow else _NO_BOUND
        if bounds is None:
            return Page([], 0, page, flt.page_size)
        matches = self._count_matches(match, bounds)
        by_lookup = matches < self.search_lookup_limit
        ids = img.select(img.id).where(*conds, _search_condition(match, bounds, by_lookup=by_lookup))
        if by_lookup:  # one query gives the count and the page: every id of a few thousand, in order
            db: Any = self.db  # a plain cursor: peewee's row wrappers cost more than the query here
            every = [row[0] for row in db.execute(ids.order_by(*order)).fetchall()]
            start = (page - 1) * flt.page_size
            return Page(self._load_page(every[start:start + flt.page_size], order), len(every), page,
                        flt.page_size)
        total = matches if not conds else ids.count()
        page_ids: Any = self._window_page(conds, match, bounds, order, page, flt.page_size, matches)
        if page_ids is None:
            page_ids = ids.order_by(*order).paginate(page, flt.page_size)
        return Page(self._load_page(page_ids, order), total, page, flt.page_size)

    def _window_page(self, conds: list[Any], match: str, bounds: tuple[int, int], order: tuple[Any, ...],
                     page: int, size: int, matches: int) -> list[int] | None:
        """Return a full page found among the first rows in sort order (few FTS rowids to gather), else None."""
        img = GeneratedImageRow
        # Rows to walk: twice what the page end needs at the density of matches among all ids.
        span = max(1, bounds[1] - bounds[0] + 1) if bounds != _NO_BOUND else self._max_id()
        window_size = int(page * size * 2 * span / max(1, matches)) + self.search_window_min
        if window_size > self.search_window_max or window_size * 2 > span:  # deep pages: the plain walk is cheaper
            return None
        window = img.select(img.id)
        window = (window.where(*conds) if conds else window).order_by(*order).limit(window_size)
        low_high: Any = img.select(peewee.fn.MIN(window.c.id), peewee.fn.MAX(window.c.id)).from_(window).tuples()
        low, high = low_high.get()
        if low is None:
            return None
        narrowed = (max(bounds[0], int(low)), min(bounds[1], int(high)))
        query = img.select(img.id).where(*conds, img.id.in_(window),
                                         _search_condition(match, narrowed, by_lookup=False))
        db: Any = self.db  # a plain cursor: peewee's row wrappers cost more than the query here
        found = [row[0] for row in db.execute(query.order_by(*order).paginate(page, size)).fetchall()]
        # The window is a prefix of the sorted rows, so its matches are a prefix of all matches: a page it
        # fills is the true page; a short one may continue past the window.
        return found if len(found) == size else None

    def _max_id(self) -> int:
        """Return the largest image id (0 when empty), a cheap bound on how many rows a walk can meet."""
        value = GeneratedImageRow.select(peewee.fn.MAX(GeneratedImageRow.id)).scalar()
        return int(value or 0)

    def _load_page(self, ids: Any, order: tuple[Any, ...]) -> list[GeneratedImage]:
        """Load the full rows of one page of ids (a list or an id query) with their job labels, in order."""
        img = GeneratedImageRow
        # The label as a flat attribute (objects()): building a joined job row per image costs as much as the query.
        rows: Any = (img.select(img, JobExecutionRow.label.alias("job_label")).join(JobExecutionRow)
                .where(img.id.in_(ids)).order_by(*order).objects())
        return [convert.image(r, r.job_label) for r in rows]

    def _id_bounds(self, conds: list[Any]) -> tuple[int, int] | None:
        """Return the smallest and largest id the other filters allow (None: no row), to narrow the FTS scan."""
        img = GeneratedImageRow
        query: Any = img.select(peewee.fn.MIN(img.id), peewee.fn.MAX(img.id)).where(*conds).tuples()
        low, high = query.get()
        return None if low is None else (int(low), int(high))

    def _count_matches(self, match: str, bounds: tuple[int, int]) -> int:
        """Return how many images within the id bounds the FTS query matches (read from the index alone)."""
        db: Any = self.db  # peewee's execute_sql is untyped
        cursor = db.execute_sql(f"SELECT count(*) FROM image_search WHERE {_FTS_MATCH}", (match, *bounds))
        return int(cursor.fetchone()[0])

    def count_images_by_status(self, execution_id: int | None = None) -> dict[str, int]:
        """Return {status: count}, for one execution or all."""
        query = GeneratedImageRow.select(GeneratedImageRow.status, peewee.fn.COUNT(GeneratedImageRow.id))
        if execution_id is not None:
            query = query.where(GeneratedImageRow.execution == execution_id)
        rows: Any = query.group_by(GeneratedImageRow.status).tuples()
        return {str(k): int(v) for k, v in rows}

    def failed_jobs(self, statuses: tuple[str, ...]) -> list[tuple[int, str, int]]:
        """Return (execution id, label, image count) of the jobs with images in these statuses, newest first."""
        img = GeneratedImageRow
        rows: Any = (img.select(JobExecutionRow.id, JobExecutionRow.label, peewee.fn.COUNT(img.id))
                     .join(JobExecutionRow).where(img.status.in_(list(statuses)))
                     .group_by(JobExecutionRow.id).order_by(JobExecutionRow.id.desc()).tuples())
        return [(int(i), str(label), int(n)) for i, label, n in rows]

    def failed_reasons(self, statuses: tuple[str, ...]) -> dict[str, int]:
        """Return {reason filter: image count} of images in these statuses (QC's free text counted as "qc")."""
        img = GeneratedImageRow
        rows: Any = (img.select(img.reason, peewee.fn.COUNT(img.id)).where(img.status.in_(list(statuses)))
                     .group_by(img.reason).tuples())
        groups: dict[str, int] = {}
        for reason, count in rows:
            group = reason_group(reason)
            groups[group] = groups.get(group, 0) + int(count)
        return groups

    def delete_image(self, image_id: int) -> GeneratedImage:
        """Delete one image row and return what it was (the caller removes the file)."""
        image = self.get_image(image_id)
        GeneratedImageRow.delete().where(GeneratedImageRow.id == image_id).execute()
        return image

    def reset_processing_images(self) -> int:
        """Put images left `processing` by a crashed retry back to `retry_pending`; return how many."""
        return int(GeneratedImageRow.update(status=ImageStatus.RETRY_PENDING.value, updated_at=now()).where(
            GeneratedImageRow.status == ImageStatus.PROCESSING.value).execute())

    def all_image_paths(self) -> list[tuple[int, str | None, str | None, str]]:
        """Return (id, temp_path, final_path, status) of every image, for crash reconciliation."""
        img = GeneratedImageRow
        rows: Any = img.select(img.id, img.temp_path, img.final_path, img.status).tuples()
        return list(rows)
