"""API methods for exports: checks against stock-site rules, job workbooks, job ZIPs and image ZIPs.

Every export runs on the ExportService worker; the page gets an export id at once and polls
`export_progress`. Without a path, a native save dialog asks where, starting in the last folder used,
which is remembered as "last_export_folder" in <app home>/ui_state.json (UI state, not a setting).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from gif_app.api.args import as_int
from gif_app.api.context import ApiContext
from gif_app.api.envelope import envelope
from gif_app.errors import ValidationError
from gif_app.export.archive import workbook_name
from gif_app.export.service import ExportService, select_images, site_notices, validate_images
from gif_app.export.stock_csv import csv_presets, preset_names

log = logging.getLogger(__name__)

UI_STATE_FILE = "ui_state.json"
LAST_FOLDER_KEY = "last_export_folder"


def _selection(selection: Any) -> dict[str, list[int]]:
    """Return {"image_ids": [...]} or {"execution_ids": [...]} from what the page sent."""
    if not isinstance(selection, dict):
        raise ValidationError('Send the selection as {"image_ids": [...]} or {"execution_ids": [...]}.')
    image_ids = selection.get("image_ids") or []
    execution_ids = selection.get("execution_ids") or []
    if not image_ids and not execution_ids:
        raise ValidationError("Nothing to export: select images or jobs first.")
    try:
        return {"image_ids": [int(i) for i in image_ids], "execution_ids": [int(i) for i in execution_ids]}
    except (TypeError, ValueError):
        raise ValidationError("Image and job ids must be numbers.") from None


def _id_list(values: Any) -> list[int]:
    if isinstance(values, (int, str)):
        values = [values]
    if not isinstance(values, list) or not values:
        raise ValidationError("Choose at least one job.")
    try:
        return list(dict.fromkeys(int(v) for v in values))
    except (TypeError, ValueError):
        raise ValidationError("Job ids must be numbers.") from None


class ExportsApi:
    """Exports for the page."""

    ctx: ApiContext

    @property
    def _exports(self) -> ExportService:
        return self.ctx.services.exports

    @envelope
    def validate_export(self, selection: dict[str, Any], presets: list[str]) -> dict[str, Any]:
        """Return per-image problems against the chosen stock CSV presets (only images with problems)."""
        images = select_images(self.ctx.repo, _selection(selection))
        found = validate_images(images, list(presets or []))
        return {"checked": len(images), "with_problems": len(found), "images": found,
                "sites": site_notices(list(presets or []))}

    @envelope
    def export_sites(self) -> dict[str, Any]:
        """Return the stock sites the export writes CSVs for, with each one's AI-content policy."""
        return {"sites": site_notices(list(csv_presets()))}

    @envelope
    def export_job_xlsx(self, execution_id: int, path: str = "") -> dict[str, Any]:
        """Start writing one job's workbook; {"export_id", "path"}, or {"path": None} when the dialog is cancelled."""
        execution = self.ctx.repo.get_execution(as_int(execution_id, "execution_id"))
        return self._start_export("job_xlsx", {"execution_ids": [execution.id]}, path, workbook_name(execution), "xlsx")

    @envelope
    def export_jobs_zip(self, execution_ids: list[int], path: str = "") -> dict[str, Any]:
        """Start writing one workbook per job plus summary.xlsx into a ZIP."""
        ids = _id_list(execution_ids)
        for execution_id in ids:
            self.ctx.repo.get_execution(execution_id)
        return self._start_export("jobs_zip", {"execution_ids": ids}, path, f"jobs-{_stamp()}.zip", "zip")

    @envelope
    def export_images_zip(self, selection: dict[str, Any], csv_presets: list[str] | None = None,
                          embed: bool = False, path: str = "") -> dict[str, Any]:
        """Start writing images/, metadata.xlsx and the chosen stock CSVs into a ZIP."""
        chosen = _selection(selection)
        if not select_images(self.ctx.repo, chosen):
            raise ValidationError("Nothing to export: the selection has no approved images.")
        presets = preset_names(list(csv_presets or []))  # an unknown preset is refused before the dialog
        params = {**chosen, "presets": presets, "embed": bool(embed)}
        return self._start_export("images_zip", params, path, f"images-{_stamp()}.zip", "zip")

    @envelope
    def export_progress(self, export_id: str) -> dict[str, Any]:
        """Return {state: running|done|failed|cancelled, done, total, path, error, count, skipped, warnings}."""
        return self._exports.progress(str(export_id))

    @envelope
    def cancel_export(self, export_id: str) -> dict[str, Any]:
        """Cancel a running export; nothing is left under the chosen name."""
        return self._exports.cancel(str(export_id))

    def _start_export(self, kind: str, params: dict[str, Any], path: str, suggested: str, ext: str) -> dict[str, Any]:
        chosen = str(path or "").strip()
        if not chosen:
            picked = self.ctx.dialogs.save_path(suggested, [ext], str(self._last_export_folder()))
            if not picked:
                return {"export_id": None, "path": None}
            chosen = picked
        target = Path(chosen).expanduser()
        if not target.is_absolute():
            target = self._last_export_folder() / target
        self._remember_export_folder(target.parent)
        export_id = self._exports.start_export(kind, params, target)
        return {"export_id": export_id, "path": self._exports.progress(export_id)["destination"]}

    def _ui_state_file(self) -> Path:
        return self.ctx.home.root / UI_STATE_FILE

    def _last_export_folder(self) -> Path:
        try:
            data = json.loads(self._ui_state_file().read_text(encoding="utf-8"))
            folder = Path(str(data.get(LAST_FOLDER_KEY) or ""))
            if str(folder) not in ("", ".") and folder.is_dir():
                return folder
        except (OSError, ValueError, AttributeError):
            pass
        return self.ctx.home.exports

    def _remember_export_folder(self, folder: Path) -> None:
        state_file = self._ui_state_file()
        try:
            data = json.loads(state_file.read_text(encoding="utf-8")) if state_file.is_file() else {}
            if not isinstance(data, dict):
                data = {}
            data[LAST_FOLDER_KEY] = str(folder)
            temp = state_file.with_name(f".{state_file.name}.tmp")
            temp.write_text(json.dumps(data, indent=2), encoding="utf-8")
            os.replace(temp, state_file)
        except (OSError, ValueError) as exc:
            log.warning("Could not remember the export folder: %s", exc)


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M")
