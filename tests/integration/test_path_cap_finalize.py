"""The whole-path cap on a real save: a deep output folder gets shorter names, never a path past the limit."""

from __future__ import annotations

import sys
from pathlib import Path

from gif_app.app import App
from gif_app.domain import ImageStatus
from gif_app.pipeline.naming import POSIX_PATH_MAX, WINDOWS_PATH_MAX, path_units
from tests.integration.retry_support import Done, failed_job, retries_of


def test_a_deep_output_folder_gets_names_that_keep_the_whole_path_within_the_limit(sandbox_app: App,
                                                                                   tmp_path: Path) -> None:
    limit = WINDOWS_PATH_MAX if sys.platform == "win32" else POSIX_PATH_MAX
    deep = tmp_path
    while path_units(str(deep), sys.platform) < limit - 60:  # 59 units left: less than the 200 the user allows
        deep = deep / ("folder-" + "x" * 40)[: max(1, min(48, limit - 60 - path_units(str(deep), sys.platform)))]
    deep.mkdir(parents=True)
    overrides = {"file_paths.output_directory": str(deep), "output.filename_max_length": 200,
                 "output.stock_target": "none", "output.filename_template": "{keyword}-{keyword}-{keyword}_{n}"}
    ids = failed_job(sandbox_app, "an-unusually-long-keyword-for-a-beach-scene", overrides, images=2)
    done = Done(sandbox_app)
    retries_of(sandbox_app).start_worker()
    assert sandbox_app.api.retry_images(ids, "original", None, False, [])["ok"]
    done.wait(2)
    finals = []
    for image_id in ids:
        image = sandbox_app.repo.get_image(image_id)
        assert image.status is ImageStatus.APPROVED, image.processing.error
        finals.append(Path(image.final_path or ""))
    for final in finals:
        assert final.parent == deep and final.is_file()
        assert path_units(str(final), sys.platform) <= limit
        assert final.name.startswith("an-unu") and len(final.name) < 3 * 43  # the words were shortened
        assert final.suffix in (".png", ".jpg")  # the extension stays
    assert sorted(f.stem[-3:] for f in finals) == ["001", "002"]  # the numbers survive the cut
