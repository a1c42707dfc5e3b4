"""Vision throughput on this machine's CPU: per-frame cost of each stage for each detector,
frames per second per core, and the cost of a whole 180-second answer at 2 fps.

The answer is 360 JPEG frames built from the astronaut photo (tests/photos.py): the face
moving, tilting, nearer and farther, a few seconds out of the picture, written like ingest's
frames (640x480, JPEG). Runs in the vision environment:

    VISION=$(python3 -c "import json;print(json.load(open('.greenroom/envs.json'))['vision'])")
    PYTHONPATH=libs/common/src:services/vision/src:services/vision/tests \\
      $VISION/bin/python bench/vision_throughput.py [--seconds 180] [--threads 1 2] \\
      [--detectors blazeface opencv]

Numbers depend on what else runs: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import photos
from greenroom_common.config import Settings
from greenroom_vision.faces import FaceAnalyzer
from greenroom_vision.frames import read_frame
from greenroom_vision.measures import read_light


def answer_frames(folder: Path, seconds: float) -> list[tuple[float, Path]]:
    base = photos.astronaut_frame()
    empty = photos.empty_frames()
    poses = [photos.moved(base, dx=dx, dy=dy, angle=a, scale=s)
             for dx, dy, a, s in [(0, 0, 0, 1), (-20, 5, 4, 1), (25, -6, -6, 1.05),
                                  (-40, 10, 8, 0.9), (40, 0, -3, 1.1), (0, 15, 12, 1),
                                  (10, -10, -10, 0.95), (-10, 0, 0, 1.2)]]
    count = round(seconds * 2)
    frames = []
    for i in range(count):
        # about 5% of the answer out of the picture, in two stretches
        image = empty[i % 3] if (count * 0.3 <= i < count * 0.33
                                 or count * 0.8 <= i < count * 0.82) else poses[i % len(poses)]
        frames.append(photos.lit(image, 1.0, noise=2.0, seed=i))
    return photos.write_clip(folder, frames, "answer")


def per_frame_ms(fn: Callable[[], Any], n: int, repeat: int = 3) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(min(times) / n * 1000, 2)


def stages(analyzer: FaceAnalyzer, clip: list[tuple[float, Path]]) -> dict[str, float]:
    """Milliseconds per frame of each stage, on a batch of the answer's frames."""
    paths = [p for _, p in clip[: analyzer.batch_size]]
    decoded = [read_frame(p) for p in paths]
    images = [f.image for f in decoded if hasattr(f, "image")]
    n = len(images)
    found = analyzer.detect(images)
    faces = [(im, d[0]) for im, d in zip(images, found, strict=True) if d]
    face_images = [im for im, _ in faces]
    rois = [d.mesh_roi() for _, d in faces]
    meshes = analyzer._models.mesh(face_images, rois)
    meshed = [(im, m) for im, m in zip(face_images, meshes, strict=True) if m is not None]
    return {
        "decode_ms": per_frame_ms(lambda: [read_frame(p) for p in paths], n),
        "detect_ms": per_frame_ms(lambda: analyzer.detect(images), n),
        "mesh_ms": per_frame_ms(lambda: analyzer._models.mesh(face_images, rois), n),
        "iris_ms": per_frame_ms(lambda: analyzer._models.iris([im for im, _ in meshed],
                                                              [m for _, m in meshed]), n),
        "expression_ms": per_frame_ms(
            lambda: analyzer.expressions(face_images, [d for _, d in faces], meshes), n),
        "lighting_ms": per_frame_ms(lambda: [read_light(im, None) for im in images], n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--detectors", nargs="+", default=["blazeface", "opencv"])
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    models = Settings().models_dir
    results = []
    with tempfile.TemporaryDirectory(prefix="vision-bench-") as tmp:
        clip = answer_frames(Path(tmp), args.seconds)
        for detector in args.detectors:
            for threads in args.threads:
                cv2.setNumThreads(threads)
                analyzer = FaceAnalyzer(detector, weights_home=models / "deepface",
                                        landmarks_dir=models / "mediapipe-face", device="cpu",
                                        threads=threads, batch_size=args.batch)
                analyzer.analyze(clip[:8])  # warm-up
                load_before = os.getloadavg()[0]
                start = time.perf_counter()
                doc = analyzer.analyze(clip)
                wall = time.perf_counter() - start
                row = {
                    "detector": detector,
                    "threads": threads,
                    "frames": len(clip),
                    "answer_s": args.seconds,
                    "analyse_s": round(wall, 2),
                    "ms_per_frame": round(wall / len(clip) * 1000, 1),
                    "frames_per_s": round(len(clip) / wall, 1),
                    "frames_per_s_per_core": round(len(clip) / wall / threads, 1),
                    "face_share": doc.summary.face_share,
                    **stages(analyzer, clip),
                    "loadavg_1m": round(statistics.mean([load_before, os.getloadavg()[0]]), 2),
                }
                results.append(row)
                print(json.dumps(row), flush=True)
    print()
    print(f"{'detector':10} {'thr':>3} {'ms/frame':>9} {'fps/core':>9} {'180 s answer':>13}  "
          "stages ms/frame (decode detect mesh iris expression lighting)")
    for r in results:
        answer = r["analyse_s"] * 180.0 / r["answer_s"]
        print(f"{r['detector']:10} {r['threads']:>3} {r['ms_per_frame']:>9} "
              f"{r['frames_per_s_per_core']:>9} {answer:>12.1f}s  "
              f"{r['decode_ms']} {r['detect_ms']} {r['mesh_ms']} {r['iris_ms']} "
              f"{r['expression_ms']} {r['lighting_ms']}  (load {r['loadavg_1m']})")


if __name__ == "__main__":
    main()
