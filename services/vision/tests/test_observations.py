"""Observations for hiring teams (a second face, long absence from the camera): the rules on
hand-made timelines, then the whole analyzer on clips built from real photos, clean ones
(no observation expected) and planted ones (a second face composited in, the candidate
gone for 10 s). And the promise that the grader never reads them."""

from __future__ import annotations

import re
from pathlib import Path

import photos
import pytest
from greenroom_common.documents import FrameObservation
from greenroom_vision.faces import FaceAnalyzer
from greenroom_vision.observations import AWAY_MIN_S, SECOND_FACE_MIN_S, away, observe, second_faces

REPO = Path(__file__).resolve().parents[3]


def timeline(faces: list[int], facing: list[bool | None] | None = None,
             step: float = 0.5) -> list[FrameObservation]:
    facing = facing or [True if n else None for n in faces]
    return [FrameObservation(t=i * step, faces=n, facing=f,
                             boxes=[[100 * k, 0, 80 - 10 * k, 80] for k in range(n)])
            for i, (n, f) in enumerate(zip(faces, facing, strict=True))]


# --- rules ---------------------------------------------------------------------------------


def test_a_second_face_in_one_or_two_frames_is_not_reported() -> None:
    assert second_faces(timeline([1] * 10 + [2] + [1] * 10 + [2, 2] + [1] * 5)) == []


def test_a_second_face_that_stays_is_reported_with_its_times_and_figure() -> None:
    frames = timeline([1] * 6 + [2, 2, 1, 2, 2, 2] + [1] * 6)  # one frame missed inside
    [found] = second_faces(frames)
    assert (found.kind, found.start_s, found.end_s) == ("second_face", 3.0, 6.0)
    assert found.figure.startswith("2 faces in 5 of 6 frames over 3.0 s")
    assert "second face ~70 px wide" in found.figure
    assert "Not part of the verdict" in found.note
    assert SECOND_FACE_MIN_S == 1.5


def test_long_absence_is_reported_short_glances_are_not() -> None:
    short = timeline([1] * 4 + [0] * 8 + [1] * 4)  # 4 s without a face
    assert away(short) == []
    frames = timeline([1] * 4 + [0] * 12 + [1] * 2 + [1] * 4,
                      [True] * 4 + [None] * 12 + [False, False] + [True] * 4)
    [found] = away(frames)  # 6 s without a face, then 1 s facing away: one stretch
    assert (found.kind, found.start_s, found.end_s) == ("away", 2.0, 9.0)
    assert found.figure == "7.0 s away from the camera; no face in 12 of 14 frames; " \
        "facing away in 2"
    assert AWAY_MIN_S == 5.0


def test_a_missing_stretch_of_the_timeline_breaks_a_run() -> None:
    frames = timeline([2] * 3) + [FrameObservation(t=5.0 + i * 0.5, faces=2) for i in range(3)]
    assert [(o.start_s, o.end_s) for o in second_faces(frames)] == [(0.0, 1.5), (5.0, 6.5)]


def test_no_frames_no_observations() -> None:
    assert observe([]) == []


# --- the analyzer on clips made from real photos ---------------------------------------------


def test_clean_clips_give_no_observations(analyzer: FaceAnalyzer, tmp_path: Path) -> None:
    base = photos.astronaut_frame()
    still = photos.jitter(base, 24, seed=3)  # 12 s, a candidate sitting still
    moving = [photos.moved(base, dx=4 * (i % 5), dy=-3 * (i % 4), angle=(i % 7) - 3,
                           scale=1.0 + 0.02 * (i % 3)) for i in range(16)]
    dim = [photos.lit(f, 0.6, noise=3.0, seed=i) for i, f in enumerate(still[:12])]
    for name, frames in (("still", still), ("moving", moving), ("dim", dim)):
        doc = analyzer.analyze(photos.write_clip(tmp_path, frames, name))
        assert doc.summary.no_face_frames == 0, name
        # The detector may see a second face in a single frame (it did in "moving"): the
        # minimum duration is what keeps that from becoming an observation.
        assert doc.observations == [], (name, doc.summary.multi_face_frames)


def test_planted_second_face_and_absence_are_observed(analyzer: FaceAnalyzer,
                                                      tmp_path: Path) -> None:
    base = photos.astronaut_frame()
    empty = photos.empty_frames()
    frames = (photos.jitter(base, 6, seed=1)                       # 0-3 s alone
              + [photos.two_people(f) for f in photos.jitter(base, 6, seed=2)]  # 3-6 s: two
              + photos.jitter(base, 4, seed=3)                     # 6-8 s alone
              + [empty[i % len(empty)] for i in range(20)]         # 8-18 s: gone
              + photos.jitter(base, 4, seed=4))                    # 18-20 s back
    doc = analyzer.analyze(photos.write_clip(tmp_path, frames, "planted"))

    kinds = [(o.kind, o.start_s, o.end_s) for o in doc.observations]
    assert kinds == [("second_face", 3.0, 6.0), ("away", 8.0, 18.0)], kinds
    assert doc.observations[1].figure.startswith("10.0 s away from the camera; no face in 20")


def test_the_grader_never_reads_observations() -> None:
    grader = REPO / "services" / "grader" / "src"
    assert grader.is_dir()
    readers = [str(p.relative_to(REPO)) for p in grader.rglob("*.py")
               if re.search(r"observations\b", p.read_text(encoding="utf-8"))]
    assert readers == [], f"observations must never feed a verdict: {readers}"


@pytest.mark.parametrize("label", ["second_face", "away"])
def test_observation_kinds_are_part_of_the_contract(label: str) -> None:
    from typing import get_args

    from greenroom_common.documents import Observation

    assert label in get_args(Observation.model_fields["kind"].annotation)
