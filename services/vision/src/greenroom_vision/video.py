"""Sampling an answer's video: the upload in, ``(time_s, Frame)`` pairs out, as they decode.

ffmpeg decodes the video once, keeps ``fps`` frames a second scaled to at most ``width``
wide and ``MAX_HEIGHT`` tall (after the container's rotation), and writes them as
uncompressed PPM pictures to a pipe. No JPEG is encoded or decoded and no frame is stored:
the candidate's face exists only in this process's memory while it is measured. Frame ``i``
is at ``i / fps`` seconds.

Decoding runs ahead of the models by at most ``ahead`` frames (a reader thread fills a
bounded queue), so the video's decoding overlaps the models' work without holding a whole
answer's pictures in memory (240 frames of 640x480 would be 220 MB).

A video that cannot be decoded, or that decodes slower than the budget allows, raises
:class:`VideoUnreadable` with a reason a person can read; presence is then not measured, and
the answer is still graded.
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import tempfile
import threading
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from greenroom_common.tool_log import complaint

from greenroom_vision.frames import MAX_FULL_DECODE_PIXELS, MAX_WIDTH, Frame

Array = np.ndarray[Any, Any]
_END = object()
# A frame is at most MAX_WIDTH wide and this tall: a hostile 640x60000 video must not turn
# into 115 MB pictures queued by the dozen.
MAX_HEIGHT = 2 * MAX_WIDTH


class VideoUnreadable(Exception):
    """The video of an answer gave no frames to measure; ``str()`` says why."""


@dataclass(frozen=True)
class Sampling:
    fps: float = 2.0
    width: int = MAX_WIDTH
    budget_s: float = 240.0  # decoding one answer's video; see GREENROOM_INGEST_BUDGET_S
    ahead: int = 64  # frames decoded ahead of the models (two batches)

    def command(self, source: Path, duration_s: float) -> list[str]:
        width = max(2, min(self.width, MAX_WIDTH))
        fit = (f"scale=w=min({width}\\,iw):h=min({MAX_HEIGHT}\\,ih)"
               ":force_original_aspect_ratio=decrease")
        return ["ffmpeg", "-nostdin", "-v", "error", "-threads", "1", "-i", str(source),
                "-an", "-sn", "-dn", "-t", f"{duration_s:.3f}", "-vf", f"fps={self.fps},{fit}",
                "-f", "image2pipe", "-c:v", "ppm", "-pix_fmt", "rgb24", "pipe:1"]


def check_size(width: int, height: int) -> None:
    """Refuse a video whose pictures are too large to decode in reasonable memory, before
    ffmpeg allocates them (the probe's size, from ingest)."""
    if width * height > MAX_FULL_DECODE_PIXELS:
        raise VideoUnreadable(f"its {width}x{height} pictures are too large to decode")


def _read_ppm(pipe: IO[bytes]) -> Frame | None:
    """One picture as ffmpeg's PPM encoder writes it (``P6\\n<w> <h>\\n255\\n`` then RGB
    bytes), or None at the end of the stream."""
    magic = pipe.readline()
    if not magic:
        return None
    size, depth = pipe.readline().split(), pipe.readline().strip()
    if magic.strip() != b"P6" or len(size) != 2 or depth != b"255":
        raise VideoUnreadable("the decoder wrote pictures in an unexpected format")
    width, height = int(size[0]), int(size[1])
    data = pipe.read(width * height * 3)
    if len(data) < width * height * 3:
        return None  # cut short: ffmpeg stopped (killed at the deadline, or failed)
    rgb: Array = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
    return Frame(image=np.ascontiguousarray(rgb[:, :, ::-1]), source_size=(width, height))


def _nothing_decoded(errors: IO[bytes], source: Path, code: int) -> VideoUnreadable:
    """Why no frame came out, from ffmpeg's log."""
    if code == 0:
        return VideoUnreadable("the video has no picture that could be decoded")
    errors.seek(0)
    detail = complaint(errors.read().decode(errors="replace"), source)
    return VideoUnreadable(f"the video could not be decoded ({detail})")


def sample(source: Path, duration_s: float,
           sampling: Sampling) -> Generator[tuple[float, Frame], None, None]:
    """The video's frames in order, decoded while the caller works on the ones before.
    Raises :class:`VideoUnreadable` when no frame comes out (ffmpeg failed, or the stream
    holds no decodable picture) or the budget runs out; a failure after some frames ends the
    stream there (what was seen is kept)."""
    with tempfile.TemporaryFile() as errors:
        # stderr to a file, not a pipe: a broken stream can log more than a pipe holds.
        process = subprocess.Popen(sampling.command(source, duration_s),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=errors)
        stdout = process.stdout
        assert stdout is not None
        ready: queue.Queue[object] = queue.Queue(maxsize=max(1, sampling.ahead))
        stop, expired = threading.Event(), threading.Event()

        def expire() -> None:
            expired.set()
            process.kill()

        def offer(item: object) -> bool:
            """Queue ``item`` unless the consumer has gone (then the reader just ends)."""
            while not stop.is_set():
                with contextlib.suppress(queue.Full):
                    ready.put(item, timeout=0.1)
                    return True
            return False

        def read() -> None:
            try:
                while (frame := _read_ppm(stdout)) is not None and offer(frame):
                    pass
            except Exception as exc:  # the consumer re-raises it  # noqa: BLE001
                offer(exc)
            offer(_END)

        out_of_time = threading.Timer(sampling.budget_s, expire)
        reader = threading.Thread(target=read, name="greenroom-video-reader", daemon=True)
        out_of_time.start()
        reader.start()
        count = 0
        try:
            while (item := ready.get()) is not _END:
                if isinstance(item, Exception):
                    raise item
                assert isinstance(item, Frame)
                yield round(count / sampling.fps, 3), item
                count += 1
            code = process.wait()
            if expired.is_set():
                raise VideoUnreadable(
                    f"decoding the video took longer than {sampling.budget_s:.0f} s")
            if count == 0:
                raise _nothing_decoded(errors, source, code)
        finally:
            stop.set()
            out_of_time.cancel()
            if process.poll() is None:
                process.kill()
            reader.join(timeout=5)
            stdout.close()
            process.wait()
