"""Webcam-like frames built from real photos that ship offline with scikit-image: the
astronaut portrait (a real, smiling face) and the LFW faces. No face video exists offline,
so the clips are these photos shifted, rotated, scaled, darkened, turned, doubled or taken
away, written as JPEGs at 2 frames per second like ingest's."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from skimage import data
from skimage.transform import PiecewiseAffineTransform, warp

Array = np.ndarray[Any, Any]

W, H = 640, 480
FACE_CENTRE = (293.0, 115.0)  # the astronaut's face in astronaut_frame()
STEP = 0.5  # seconds between frames (2 fps)


def astronaut_frame() -> Array:
    """640x480 BGR: the astronaut portrait, head and shoulders, like a webcam picture."""
    photo = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)  # type: ignore[no-untyped-call]
    square = cv2.resize(photo, (480, 480), interpolation=cv2.INTER_AREA)
    return cv2.copyMakeBorder(square, 0, 0, 80, 80, cv2.BORDER_REPLICATE)


def moved(img: Array, dx: float = 0, dy: float = 0, angle: float = 0.0,
          scale: float = 1.0) -> Array:
    """Shifted by (dx, dy), rotated by ``angle`` degrees (counter-clockwise on screen) and
    scaled about the face centre."""
    m = cv2.getRotationMatrix2D(FACE_CENTRE, angle, scale)
    m[:, 2] += (dx, dy)
    return cv2.warpAffine(img, m, (W, H), borderMode=cv2.BORDER_REPLICATE)


def lit(img: Array, gain: float, offset: float = 0.0, noise: float = 0.0, seed: int = 0) -> Array:
    out = img.astype(np.float32) * gain + offset
    if noise:
        out += np.random.default_rng(seed).normal(0, noise, img.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def backlit(img: Array) -> Array:
    """A bright window behind a face in shadow: the face darkened, the rest washed out."""
    out = lit(img, 0.45, 170)
    x, y = int(FACE_CENTRE[0]), int(FACE_CENTRE[1])
    mask = np.zeros((H, W), np.float32)
    cv2.ellipse(mask, (x, y + 10), (80, 100), 0, 0, 360, 1.0, -1)
    cv2.rectangle(mask, (x - 150, y + 100), (x + 150, H), 1.0, -1)  # shoulders and body
    mask = cv2.GaussianBlur(mask, (31, 31), 0)[:, :, None]
    face = lit(img, 0.45)
    return (face * mask + out * (1 - mask)).astype(np.uint8)


def empty_frames() -> list[Array]:
    """Face-free pictures: the camera on the candidate's chest, the room, a coffee cup."""
    base = astronaut_frame()
    chest = cv2.resize(base[300:480, 80:560], (W, H))
    room = cv2.resize(base[0:240, 420:640], (W, H))
    coffee = cv2.resize(cv2.cvtColor(data.coffee(), cv2.COLOR_RGB2BGR),  # type: ignore[no-untyped-call]
                        (W, H))
    return [chest, room, coffee]


def two_people(img: Array) -> Array:
    """The candidate moved left and a second person (a smaller, mirrored copy of the
    portrait) beside them."""
    photo = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)  # type: ignore[no-untyped-call]
    other = cv2.resize(photo[20:260, 120:360][:, ::-1], (200, 200))
    out = np.roll(img, -120, axis=1).copy()
    out[140:340, 430:630] = other
    return out


def lfw_faces() -> list[Array]:
    """The 100 real faces of scikit-image's LFW subset (25x25 grey), as BGR."""
    faces = data.lfw_subset()[:100]  # type: ignore[no-untyped-call]
    return [cv2.cvtColor((f * 255).astype(np.uint8), cv2.COLOR_GRAY2BGR) for f in faces]


def turned(img: Array, mesh: Array, degrees: float) -> Array:
    """The head turned about its vertical axis by ``degrees`` (> 0: nose to the image's
    left): the face mesh of ``img`` (468 x (x, y, z) pixels) rotated in 3-D, and the picture
    warped triangle by triangle to follow it, the surroundings held in place."""
    centre = mesh.mean(axis=0)
    psi = np.radians(degrees)
    x, y, z = (mesh - centre).T
    dst = np.stack([centre[0] + x * np.cos(psi) + z * np.sin(psi), centre[1] + y], axis=1)
    src = mesh[:, :2]
    radius = float(np.ptp(src, axis=0).max()) * 1.3
    ring = np.array([(centre[0] + radius * np.cos(a), centre[1] + radius * 1.15 * np.sin(a))
                     for a in np.linspace(0, 2 * np.pi, 32, endpoint=False)])
    # Warp only the region around the face; the ring and the region's edge stay put.
    x0, y0 = (np.floor(ring.min(axis=0)) - 4).astype(int).clip(0)
    x1, y1 = np.ceil(ring.max(axis=0) + 4).astype(int)
    x1, y1 = min(x1, img.shape[1]), min(y1, img.shape[0])
    region = img[y0:y1, x0:x1]
    rh, rw = region.shape[:2]
    edge = np.array([(u, v) for u in np.linspace(0, rw - 1, 6) for v in (0, rh - 1)]
                    + [(u, v) for v in np.linspace(0, rh - 1, 6) for u in (0, rw - 1)])
    offset = np.array([x0, y0])
    fixed = np.vstack([ring - offset, edge])
    transform = PiecewiseAffineTransform.from_estimate(np.vstack([dst - offset, fixed]),
                                                       np.vstack([src - offset, fixed]))
    assert transform, "the face warp could not be estimated"
    out = img.copy()
    warped = warp(region, transform, output_shape=region.shape[:2], preserve_range=True,
                  mode="edge")
    out[y0:y1, x0:x1] = warped.astype(np.uint8)
    return out


def write_clip(folder: Path, frames: Sequence[Array], name: str,
               start: float = 0.0) -> list[tuple[float, Path]]:
    """JPEG frames at 2 fps, like ingest's: ``[(time_s, path), ...]``."""
    folder.mkdir(parents=True, exist_ok=True)
    clip = []
    for i, frame in enumerate(frames):
        path = folder / f"{name}-{i:03d}.jpg"
        assert cv2.imwrite(str(path), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
        clip.append((round(start + i * STEP, 3), path))
    return clip


def jitter(img: Array, n: int, pixels: float = 1.5, seed: int = 0) -> list[Array]:
    """``n`` frames of a still candidate: sub-pixel to pixel-size shifts and sensor noise."""
    rng = np.random.default_rng(seed)
    return [lit(moved(img, *rng.uniform(-pixels, pixels, 2)), 1.0, noise=2.0, seed=seed + i)
            for i in range(n)]
