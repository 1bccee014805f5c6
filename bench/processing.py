"""Measure processing throughput on 2048x2048 RGBA PNGs: trim, sharpen, saturation, flatten, JPG q90."""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gif_app.pipeline.process import ProcessingSettings, process_image  # noqa: E402

RECIPE = ProcessingSettings.from_settings({
    "trim_transparent_background": True,
    "image_enhancement": True,
    "sharpening": 5,
    "saturation": 1.4,
    "image_convert": True,
    "convert_format": "jpg",
    "jpg_quality": 90,
    "jpg_background": "white",
})


def make_image(seed: int, size: int = 2048) -> bytes:
    """Return a PNG cut-out like remove.bg delivers: a textured subject on a transparent canvas."""
    noise = Image.effect_noise((size, size), 40 + seed)
    colour = Image.merge("RGB", (noise, noise.rotate(90), noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    alpha = Image.new("L", (size, size), 0)
    margin = 150 + 20 * seed
    ImageDraw.Draw(alpha).ellipse((margin, margin + 40, size - margin, size - margin), fill=255)
    colour.putalpha(alpha.filter(ImageFilter.GaussianBlur(3)))
    buffer = io.BytesIO()
    colour.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def process_one(data: bytes) -> int:
    """Run the full recipe on one image and return the output size in bytes."""
    return len(process_image(data, "bench.png", RECIPE, None).data)


def main() -> None:
    """Print images per second for one process and for a pool over all cores."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=8, help="images in the batch (default 8)")
    parser.add_argument("--save-dir", help="also write the inputs here (bench/processing_sharp.mjs reads them)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"generating {args.count} RGBA PNGs of 2048x2048 ...", flush=True)
    images = [make_image(i % 10) for i in range(args.count)]
    if args.save_dir:
        folder = Path(args.save_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for n, data in enumerate(images):
            (folder / f"input-{n:02d}.png").write_bytes(data)

    started = time.perf_counter()
    for data in images:
        process_one(data)
    single = time.perf_counter() - started
    print(f"single process : {args.count / single:6.2f} images/s ({1000 * single / args.count:.0f} ms/image)")

    with ProcessPoolExecutor(max_workers=cores) as pool:
        list(pool.map(process_one, images[:cores]))  # warm the workers (imports) outside the timing
        started = time.perf_counter()
        list(pool.map(process_one, images))
        parallel = time.perf_counter() - started
    print(f"{cores} processes    : {args.count / parallel:6.2f} images/s "
          f"({1000 * parallel / args.count:.0f} ms/image, speed-up {single / parallel:.2f}x)")


if __name__ == "__main__":
    main()
