"""API methods for images: the gallery, the image modal (details, metadata edit), delete, reveal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from gif_app import vector
from gif_app.api.args import as_dict, as_ids, as_int, as_page, as_strings
from gif_app.api.context import ApiContext
from gif_app.api.envelope import envelope
from gif_app.api.serialize import image_json, page_json, parse_date
from gif_app.domain import FailureStage, StockMetadata
from gif_app.errors import AppError, ValidationError
from gif_app.export.embed import embed_metadata
from gif_app.export.svg_xmp import embed_vector_file
from gif_app.pipeline.categories import category_targets, validated_categories
from gif_app.pipeline.metadata import enforce_limits, limits_from_validated, ownership_from_validated, problems
from gif_app.store.repository import ImageFilter

MAX_PAGE = 200


class ImagesApi:
    """Images and their metadata."""

    ctx: ApiContext

    @envelope
    def list_images(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return one page of images filtered (status, job, dates, text) and sorted on the server."""
        q = as_dict(query, "query")
        page_no, page_size = as_page(q, 50, MAX_PAGE)
        flt = ImageFilter(
            statuses=as_strings(q.get("status"), "status"),
            execution_ids=as_ids(q.get("execution_ids"), "execution_ids"),
            date_from=parse_date(q.get("date_from")), date_to=parse_date(q.get("date_to"), end_of_day=True),
            search=str(q.get("search") or ""), sort=str(q.get("sort") or "newest"),
            soft_failure_stage=FailureStage.REMOVE_BG.value if q.get("background_kept") else "",
            page=page_no, page_size=page_size)
        page = self.ctx.repo.list_images(flt)
        return page_json(page, [image_json(i) for i in page.items])

    @envelope
    def image_ids(self, query: dict[str, Any] | None = None) -> list[int]:
        """Return every id matching a gallery filter (for "select all", across pages)."""
        q = dict(as_dict(query, "query"))
        ids: list[int] = []
        page = 1
        while True:
            q.update(page=page, page_size=MAX_PAGE)
            result = self.list_images(q)
            if not result["ok"]:
                raise AppError(result["error"]["message"])
            ids.extend(item["id"] for item in result["data"]["items"])
            if page >= result["data"]["pages"]:
                return ids
            page += 1

    @envelope
    def get_image(self, image_id: int) -> dict[str, Any]:
        """Return one image with its metadata limits and problems for the modal."""
        image = self.ctx.repo.get_image(as_int(image_id, "image_id"))
        limits = limits_from_validated(self.ctx.settings_file.load().settings)
        data = image_json(image)
        if not data["job_label"]:  # single-row reads carry no job label; the modal shows it
            data["job_label"] = self.ctx.repo.get_execution(image.execution_id).label
        data["limits"] = {"title_max": limits.title_max, "description_max": limits.description_max,
                          "keywords_min": limits.keywords_min, "keywords_max": limits.keywords_max,
                          "preset": limits.preset}
        data["problems"] = problems(image.metadata, limits)
        data["category_sites"] = [
            {"site": t.id, "label": t.label, "max": t.max_categories, "min": t.min_categories,
             "options": [{"id": c.id, "name": c.name} for c in t.categories],
             "chosen": list(image.metadata.categories_for(t.id))}
            for t in category_targets()]
        return data

    @envelope
    def update_image_metadata(self, image_id: int, metadata: dict[str, Any]) -> dict[str, Any]:
        """Save edited title, description, keywords (within the preset's limits) and categories (from each
        site's list); re-embed them in the file."""
        if not isinstance(metadata, dict):
            raise ValidationError("Metadata must be an object.")
        current = self.ctx.repo.get_image(as_int(image_id, "image_id")).metadata
        categories = _edited_categories(current, metadata.get("categories"))
        keywords = metadata.get("keywords") or []
        if isinstance(keywords, str):
            keywords = [k for k in keywords.replace(";", ",").split(",")]
        settings = self.ctx.settings_file.load().settings
        limits = limits_from_validated(settings)
        clean = enforce_limits(StockMetadata(title=str(metadata.get("title") or ""),
                                             description=str(metadata.get("description") or ""),
                                             keywords=tuple(str(k) for k in keywords),
                                             category=str(metadata.get("category", current.category) or ""),
                                             categories=categories), limits)
        image = self.ctx.repo.update_image(as_int(image_id, "image_id"), metadata=clean)
        is_embedded = False
        if image.final_path and settings["output"]["embed_metadata"] and Path(image.final_path).is_file():
            embed = embed_vector_file if vector.is_svg_path(image.final_path) else embed_metadata
            embed(Path(image.final_path), clean, ownership_from_validated(settings))
            is_embedded = True
        data = image_json(image)
        data["embedded"] = is_embedded
        return data

    @envelope
    def delete_images(self, image_ids: list[int], delete_files: bool = True) -> dict[str, Any]:
        """Delete images (and their files first, by default); an image whose file is held open is kept."""
        deleted, removed = self.ctx.services.records.delete_images(as_ids(image_ids, "image_ids"),
                                                                   delete_files=bool(delete_files))
        return {"deleted": deleted, "files_deleted": removed}

    @envelope
    def reveal_image(self, image_id: int) -> dict[str, Any]:
        """Show the image's file in the system file manager."""
        image = self.ctx.repo.get_image(as_int(image_id, "image_id"))
        path = image.current_path
        if not path or not Path(path).exists():
            raise AppError("The file is no longer on disk.", code="not_found")
        _reveal(Path(path))
        return {"path": path}


def _edited_categories(current: StockMetadata, edited: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return the stored categories with the edited sites' choices checked against their lists."""
    if edited is None:
        return current.categories
    if not isinstance(edited, dict):
        raise ValidationError("Categories must be an object of site -> list.")
    result = current
    for site, values in edited.items():
        chosen = [values] if isinstance(values, str) else values
        if not isinstance(chosen, list):
            raise ValidationError(f"Categories of {site} must be a list.")
        result = result.with_categories(str(site), validated_categories(str(site), chosen))
    return result.categories


def _reveal(path: Path) -> None:
    if os.environ.get("GIF_APP_NO_REVEAL"):
        return  # tests and headless runs: nothing to open
    if sys.platform == "darwin":
        subprocess.Popen(["open", "-R", str(path)])
    elif sys.platform == "win32":
        subprocess.Popen(["explorer", "/select,", str(path)])
    else:
        subprocess.Popen(["xdg-open", str(path.parent)])
