"""Observations for hiring teams: stretches of an answer a person may want to review.

Two kinds come from the camera, both built on the per-frame timeline ``measures`` makes
(2 frames per second):

- ``second_face``: several faces in the frame for at least ``SECOND_FACE_MIN_S``. One or two
  frames with a second face are usually a detection glitch (a face in a poster, a
  reflection), so a stretch must last; a single frame without the second face inside a
  stretch (``GAP_FRAMES``) does not end it.
- ``away``: no face, or a face not looking at the camera, for at least ``AWAY_MIN_S``
  without a break (again bridging ``GAP_FRAMES`` frames). Glancing at notes for a second or
  two is normal; a long absence is worth a look.

Each observation carries its timestamps and the measured figure. They are observations to
review, not accusations: people share rooms, look away to think, and detectors make
mistakes. They are never part of a verdict (the grader does not read them) and the gateway
shows them to hiring-team sessions only. False-positive rates measured on clean recordings
are in the service's README.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from greenroom_common.documents import FrameObservation, Observation

SECOND_FACE_MIN_S = 1.5  # several faces for at least this long (3 frames at 2 fps)
AWAY_MIN_S = 5.0  # no face, or not facing the camera, for at least this long
GAP_FRAMES = 1  # a run survives this many frames without the condition inside it

SECOND_FACE_NOTE = ("Another face was detected beside the candidate's. To review: someone "
                    "else in the room, a photo or screen in view, or a detection mistake. "
                    "Not part of the verdict.")
AWAY_NOTE = ("The candidate was off camera or not facing it for this long. To review: "
             "people look away to think or read notes; this is not a judgement and is not "
             "part of the verdict.")


def _step(frames: Sequence[FrameObservation]) -> float:
    times = [f.t for f in frames]
    return float(np.median(np.diff(times))) if len(times) > 1 else 0.5


def runs(frames: Sequence[FrameObservation], flag: Callable[[FrameObservation], bool],
         gap_frames: int = GAP_FRAMES) -> list[tuple[int, int]]:
    """``(first, last)`` indices of stretches of flagged frames, a run bridging at most
    ``gap_frames`` unflagged frames (never starting or ending on one), and breaking where
    frames are missing from the timeline."""
    step = _step(frames)
    found: list[tuple[int, int]] = []
    start = last = -1
    for i, f in enumerate(frames):
        if not flag(f):
            continue
        contiguous = last >= 0 and i - last - 1 <= gap_frames \
            and f.t - frames[last].t <= step * (gap_frames + 1.5)
        if not contiguous:
            if start >= 0:
                found.append((start, last))
            start = i
        last = i
    if start >= 0:
        found.append((start, last))
    return found


def _span(frames: Sequence[FrameObservation], first: int, last: int, step: float
          ) -> tuple[float, float]:
    return round(frames[first].t, 2), round(frames[last].t + step, 2)


def second_faces(frames: Sequence[FrameObservation],
                 min_s: float = SECOND_FACE_MIN_S) -> list[Observation]:
    step = _step(frames)
    found: list[Observation] = []
    for first, last in runs(frames, lambda f: f.faces > 1):
        start, end = _span(frames, first, last, step)
        if end - start < min_s - 1e-6:
            continue
        stretch = frames[first:last + 1]
        several = [f for f in stretch if f.faces > 1]
        widths = [sorted(b[2] for b in f.boxes)[-2] for f in several if len(f.boxes) > 1]
        most = max(f.faces for f in several)
        figure = (f"{most if most > 2 else 2}{'+' if most > 2 else ''} faces in "
                  f"{len(several)} of {len(stretch)} frames over {end - start:.1f} s")
        if widths:
            figure += f"; the second face ~{int(np.median(widths))} px wide"
        found.append(Observation(kind="second_face", start_s=start, end_s=end, figure=figure,
                                 note=SECOND_FACE_NOTE))
    return found


def _away(f: FrameObservation) -> bool:
    return f.faces == 0 or f.facing is False


def away(frames: Sequence[FrameObservation], min_s: float = AWAY_MIN_S) -> list[Observation]:
    step = _step(frames)
    found: list[Observation] = []
    for first, last in runs(frames, _away):
        start, end = _span(frames, first, last, step)
        if end - start < min_s - 1e-6:
            continue
        stretch = frames[first:last + 1]
        missing = sum(1 for f in stretch if f.faces == 0)
        turned = sum(1 for f in stretch if f.faces > 0 and f.facing is False)
        parts = [f"{end - start:.1f} s away from the camera"]
        if missing:
            parts.append(f"no face in {missing} of {len(stretch)} frames")
        if turned:
            parts.append(f"facing away in {turned}")
        found.append(Observation(kind="away", start_s=start, end_s=end,
                                 figure="; ".join(parts), note=AWAY_NOTE))
    return found


def observe(frames: Sequence[FrameObservation]) -> list[Observation]:
    """Every camera observation of one answer, in time order. No frames (an audio answer):
    none."""
    if not frames:
        return []
    found = [*second_faces(frames), *away(frames)]
    return sorted(found, key=lambda o: (o.start_s, o.kind))
