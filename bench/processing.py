"""Measure processing throughput on 2048x2048 RGBA PNGs: trim, sharpen, saturation, flatten, JPG q90.

Besides images per second it prints ours/floor, where the floor is what no recipe can beat: decoding the same
PNGs and encoding them as the same JPG (q90, 4:4:4) in the same run. When node can load sharp (NODE_PATH or
--sharp-modules), it also runs bench/processing_sharp.mjs on the same inputs and prints ours/sharp.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def floor_one(data: bytes) -> int:
    """Decode one PNG and encode it as the recipe's JPG with no processing: the floor of any recipe."""
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buffer, "JPEG", quality=90, subsampling=0)
    return len(buffer.getvalue())


def seconds_per_image(operations: list[Callable[[bytes], int]], images: list[bytes], rounds: int) -> list[float]:
    """Return each operation's best CPU time over the batch, in seconds per image.

    CPU time of this process, not wall time: on a machine shared with other work, waiting for a core is not
    our cost (Pillow runs these operations on one thread). The operations take turns within each round, so
    what the machine still does to caches slows them alike.
    """
    best = [float("inf")] * len(operations)
    for _ in range(rounds):
        for n, operation in enumerate(operations):
            started = time.process_time()
            for data in images:
                operation(data)
            best[n] = min(best[n], time.process_time() - started)
    return [seconds / len(images) for seconds in best]


def sharp_cpu(folder: Path, node_modules: str | None) -> float | None:
    """Run the sharp chain on the saved inputs; return its one-thread CPU s/image, or None without node/sharp."""
    node = shutil.which("node")
    env = {**os.environ, **({"NODE_PATH": node_modules} if node_modules else {})}
    if node is None or subprocess.run([node, "-e", "require('sharp')"], env=env, capture_output=True,
                                      check=False).returncode != 0:
        print("sharp          : not measured (node or sharp unavailable; set NODE_PATH or --sharp-modules)")
        return None
    script = Path(__file__).resolve().parent / "processing_sharp.mjs"
    output = subprocess.run([node, str(script), str(folder)], env=env, capture_output=True, text=True,
                            check=True).stdout
    print(output.rstrip())
    first = output.splitlines()[0]  # "sharp, 1 thread, one at a time: 0.65 images/s (1538 ms/image, 1500 ms CPU/image)"
    return float(first.rsplit(", ", 1)[1].split()[0]) / 1000


def main() -> None:
    """Print images per second for one process and for a pool over all cores, against the floor and sharp."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=8, help="images in the batch (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds, the best counts (default 3)")
    parser.add_argument("--save-dir", help="also write the inputs here (bench/processing_sharp.mjs reads them)")
    parser.add_argument("--sharp-modules", help="a node_modules folder holding sharp (else NODE_PATH)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"generating {args.count} RGBA PNGs of 2048x2048 ...", flush=True)
    images = [make_image(i % 10) for i in range(args.count)]

    process_one(images[0])  # warm-up: imports and first-use caches outside the timing
    per_image, floor = seconds_per_image([process_one, floor_one], images, args.rounds)
    single = per_image * args.count
    print(f"single process : {1 / per_image:6.2f} images/s ({1000 * per_image:.0f} ms CPU/image)")
    print(f"floor          : {1 / floor:6.2f} images/s ({1000 * floor:.0f} ms CPU/image: decode + JPG encode only)")
    print(f"ours/floor     : {per_image / floor:6.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.save_dir) if args.save_dir else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for n, data in enumerate(images):
            (folder / f"input-{n:02d}.png").write_bytes(data)
        sharp = sharp_cpu(folder, args.sharp_modules or os.environ.get("NODE_PATH"))
    if sharp:
        print(f"sharp/ours     : {sharp / per_image:6.2f}x (CPU per image, one thread each: ours is that much faster)")

    with ProcessPoolExecutor(max_workers=cores) as pool:
        list(pool.map(process_one, images[:cores]))  # warm the workers (imports) outside the timing
        started = time.perf_counter()
        list(pool.map(process_one, images))
        parallel = time.perf_counter() - started
    print(f"{cores} processes    : {args.count / parallel:6.2f} images/s "
          f"({1000 * parallel / args.count:.0f} ms/image, speed-up {single / parallel:.2f}x)")


if __name__ == "__main__":
    main()
