"""Render build/icon.svg to the PNG sizes, ICO and ICNS the bundles use (run after editing the SVG).

The outputs are committed, so building the app never needs the renderer; only this script does:
`.venv/bin/pip install cairosvg` (it uses the system libcairo2) and then `.venv/bin/python build/make_icons.py`.
"""

from __future__ import annotations

import argparse
import io
import logging
from pathlib import Path

from PIL import Image

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "icon.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)
NAME = "gif-app"


def render(svg: bytes, size: int) -> Image.Image:
    """Render the SVG at size x size pixels (rendered per size, not downscaled, so small sizes stay crisp)."""
    import cairosvg  # type: ignore[import-untyped]  # the renderer is needed only here, never by the app or the build

    png = cairosvg.svg2png(bytestring=svg, output_width=size, output_height=size)
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGBA")


def write_icons(source: Path, out: Path) -> list[Path]:
    """Write every PNG size, the ICO and the ICNS into `out` and return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    svg = source.read_bytes()
    images = {size: render(svg, size) for size in PNG_SIZES}
    written: list[Path] = []
    for size, image in images.items():
        path = out / f"{NAME}-{size}.png"
        image.save(path, format="PNG", optimize=True)
        written.append(path)
    ico = out / f"{NAME}.ico"
    largest_ico = images[max(ICO_SIZES)]
    largest_ico.save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                     append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    written.append(ico)
    icns = out / f"{NAME}.icns"
    images[max(ICNS_SIZES)].save(icns, format="ICNS",
                                 append_images=[images[s] for s in ICNS_SIZES if s != max(ICNS_SIZES)])
    written.append(icns)
    return written


def main() -> int:
    """Render the icons from the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=SOURCE, help="the SVG to render")
    parser.add_argument("--out", type=Path, default=HERE / "icons", help="folder for the rendered icons")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in write_icons(args.source, args.out):
        log.info("wrote %s (%d bytes)", path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path,
                 path.stat().st_size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
