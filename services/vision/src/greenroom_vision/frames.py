"""Reading sampled frames: any size in, a BGR array at most ``MAX_WIDTH`` wide out.

Ingest samples frames at 2 fps and scales them to 640 px wide, but the core does not rely on
it: a frame of any resolution is decoded at a reduced scale (Pillow's JPEG draft mode lets
the decoder skip detail instead of allocating the full picture), then resized. A frame that
cannot be read (empty, truncated, not an image, absurdly large) is reported as None with the
reason, and counts as a frame without a face.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

Array = np.ndarray[Any, Any]

MAX_WIDTH = 640  # the models see at most this; faces at webcam distance stay large enough
# Non-JPEG images cannot be decoded at a reduced scale; past this they are refused.
MAX_FULL_DECODE_PIXELS = 40_000_000


@dataclass(frozen=True)
class Frame:
    image: Array  # BGR uint8, at most MAX_WIDTH wide
    source_size: tuple[int, int]  # (width, height) of the frame as stored


@dataclass(frozen=True)
class Unreadable:
    reason: str


class _Refused(Exception):
    pass


def _decode(path: Path) -> tuple[Array, tuple[int, int]]:
    """RGB pixels (reduced for a large JPEG) and the stored size, or ``_Refused``."""
    with warnings.catch_warnings():
        # JPEGs are decoded at a reduced scale below, so their pixel count is not a threat.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as img:
            width, height = img.size
            if width < 1 or height < 1:
                raise _Refused("empty picture")
            if img.format == "JPEG":
                target = (MAX_WIDTH, max(1, round(height * MAX_WIDTH / width)))
                img.draft("RGB", target)  # DCT scaling: 1/2, 1/4 or 1/8, never below target
            elif width * height > MAX_FULL_DECODE_PIXELS:
                raise _Refused(f"{width}x{height} picture too large to decode")
            rgb = np.asarray(img.convert("RGB"))
    if rgb.ndim != 3 or rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise _Refused("not a colour picture")
    return rgb, (width, height)


def read_frame(path: Path) -> Frame | Unreadable:
    try:
        rgb, size = _decode(path)
    except _Refused as exc:
        return Unreadable(str(exc))
    except FileNotFoundError:
        return Unreadable("missing file")
    except Image.DecompressionBombError:
        return Unreadable("picture too large to decode")
    except (OSError, ValueError, SyntaxError) as exc:
        return Unreadable(f"not a readable picture ({exc.__class__.__name__})")
    bgr: Array = np.ascontiguousarray(rgb[:, :, ::-1])
    if bgr.shape[1] > MAX_WIDTH:
        new_h = max(1, round(bgr.shape[0] * MAX_WIDTH / bgr.shape[1]))
        bgr = cv2.resize(bgr, (MAX_WIDTH, new_h), interpolation=cv2.INTER_AREA)
    return Frame(image=bgr, source_size=size)
