"""Each on-camera measurement responds the right way, on clips built from real photos
(frames at 2 fps, analysed by the real models): absent seconds, a second person, a turned
head, a moving head, framing, lighting, expression. The last tests check the pure
arithmetic on made-up readings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import photos
import pytest
from greenroom_common.documents import VisionDoc
from greenroom_vision.faces import FaceAnalyzer
from greenroom_vision.measures import (
    CENTRE_JITTER,
    CENTRE_RESTLESS,
    FaceReading,
    FrameReading,
    measure,
    read_light,
)
from greenroom_vision.pose import angles, rotation_between

Array = np.ndarray[Any, Any]


@pytest.fixture(scope="module")
def base() -> Array:
    return photos.astronaut_frame()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="module")
def turned_heads(analyzer: FaceAnalyzer, base: Array) -> dict[int, Array]:
    mesh = analyzer.landmarks(base)
    assert mesh is not None
    return {deg: photos.turned(base, mesh, deg) for deg in (35, -35)}


def run(analyzer: FaceAnalyzer, folder: Path, name: str, frames: list[Array]) -> VisionDoc:
    return analyzer.analyze(photos.write_clip(folder, frames, name))


def moments(doc: VisionDoc, label: str) -> list[tuple[float, float]]:
    return [(m.start, m.end) for m in doc.moments if m.label == label]


def test_face_free_seconds_count_as_absent(analyzer: FaceAnalyzer, clips: Path,
                                           base: Array) -> None:
    empty = photos.empty_frames()
    frames = photos.jitter(base, 6) + [empty[i % 3] for i in range(6)] + photos.jitter(base, 4)
    doc = run(analyzer, clips, "absent", frames)

    assert [f.faces for f in doc.frames] == [1] * 6 + [0] * 6 + [1] * 4
    s = doc.summary
    assert (s.frames, s.face_frames, s.no_face_frames, s.multi_face_frames) == (16, 10, 6, 0)
    assert s.no_face_share == pytest.approx(6 / 16, abs=1e-3)
    assert s.face_share == pytest.approx(10 / 16, abs=1e-3)
    assert moments(doc, "no_face") == [(3.0, 6.0)]  # seconds 3 to 6 of the answer
    # Nothing about a face is made up for the frames without one.
    for f in doc.frames[6:12]:
        assert (f.expression, f.yaw, f.facing, f.face_size, f.motion) == (None,) * 5
        assert f.lighting is not None  # lighting is still measured on the picture


def test_second_person_is_flagged(analyzer: FaceAnalyzer, clips: Path, base: Array) -> None:
    frames = (photos.jitter(base, 6) + [photos.two_people(f) for f in photos.jitter(base, 4)]
              + photos.jitter(base, 4))
    doc = run(analyzer, clips, "two", frames)

    assert [f.faces for f in doc.frames] == [1] * 6 + [2] * 4 + [1] * 4
    assert doc.summary.multi_face_frames == 4
    assert doc.summary.multi_face_share == pytest.approx(4 / 14, abs=1e-3)
    assert doc.summary.face_share == pytest.approx(10 / 14, abs=1e-3)
    assert moments(doc, "several_faces") == [(3.0, 5.0)]
    left, right = sorted(doc.frames[7].boxes)
    assert left[0] + left[2] < right[0]  # two separate faces, side by side


def test_turned_head_lowers_facing_share(analyzer: FaceAnalyzer, clips: Path, base: Array,
                                         turned_heads: dict[int, Array]) -> None:
    frontal = run(analyzer, clips, "frontal", photos.jitter(base, 16))
    away = [turned_heads[35], turned_heads[-35]] * 3
    mixed = run(analyzer, clips, "away",
                photos.jitter(base, 8) + away + photos.jitter(base, 2, seed=9))

    assert frontal.summary.facing_share == 1.0
    assert [f.facing for f in mixed.frames] == [True] * 8 + [False] * 6 + [True] * 2
    assert mixed.summary.facing_share == pytest.approx(10 / 16, abs=1e-3)
    # The head is what turned: to the image's left, then to its right.
    yaws = [f.yaw for f in mixed.frames[8:14]]
    assert all(y is not None and y < -10 for y in yaws[0::2]), yaws
    assert all(y is not None and y > 10 for y in yaws[1::2]), yaws
    assert moments(mixed, "looking_away") == [(4.0, 7.0)]


def test_facing_is_relative_to_the_candidates_first_seconds(
        analyzer: FaceAnalyzer, clips: Path, turned_heads: dict[int, Array]) -> None:
    """A candidate who sits turned towards a camera at the side of the screen, the whole
    time, still faces *their* camera: no fixed angle decides."""
    head = turned_heads[35]
    doc = run(analyzer, clips, "side-camera", photos.jitter(head, 12, pixels=1.0))
    assert doc.summary.facing_share is not None and doc.summary.facing_share >= 0.9
    assert all(abs(f.yaw or 0.0) < 8 for f in doc.frames)


def test_moving_head_lowers_steadiness(analyzer: FaceAnalyzer, clips: Path,
                                       base: Array) -> None:
    still = run(analyzer, clips, "still", photos.jitter(base, 12))
    restless = [photos.moved(base, dx=60 * (-1) ** i, dy=10 * (i % 3), angle=12 * (-1) ** (i // 2))
                for i in range(12)]
    moving = run(analyzer, clips, "moving", restless)

    a, b = still.summary, moving.summary
    assert a.steadiness is not None and b.steadiness is not None
    assert a.steadiness > 0.85
    assert b.steadiness < 0.5
    assert b.centre_motion is not None and a.centre_motion is not None
    assert b.centre_motion > 5 * a.centre_motion
    assert b.roll_motion is not None and a.roll_motion is not None
    assert b.roll_motion > 5 * a.roll_motion
    assert still.frames[0].motion is None  # nothing to compare the first frame with
    assert all(f.motion is not None and f.motion > 1 for f in moving.frames[1:])
    assert moments(moving, "restless") == [(0.5, 6.0)]
    assert moments(still, "restless") == []


def test_face_size_says_too_far_and_too_close(analyzer: FaceAnalyzer, clips: Path,
                                              base: Array) -> None:
    sizes = {}
    for name, scale in (("ok", 1.0), ("far", 0.55), ("close", 3.4)):
        frames = photos.jitter(photos.moved(base, scale=scale), 4)
        doc = run(analyzer, clips, f"size-{name}", frames)
        assert all(f.faces == 1 for f in doc.frames), name
        sizes[name] = doc.summary
    assert sizes["ok"].framing == "ok"
    assert sizes["far"].framing == "too_far"
    assert sizes["close"].framing == "too_close"
    ok, far, close = (sizes[k].face_size or 0.0 for k in ("ok", "far", "close"))
    assert far == pytest.approx(0.55 * ok, rel=0.15)
    assert close == pytest.approx(3.4 * ok, rel=0.15)


def test_lighting_dark_backlit_low_contrast(analyzer: FaceAnalyzer, clips: Path,
                                           base: Array) -> None:
    def lighting(name: str, frames: list[Array]) -> VisionDoc:
        return run(analyzer, clips, f"light-{name}", frames)

    good = lighting("good", photos.jitter(base, 4))
    dark = lighting("dark", [photos.lit(f, 0.18, noise=3, seed=i)
                             for i, f in enumerate(photos.jitter(base, 4))])
    back = lighting("back", [photos.backlit(f) for f in photos.jitter(base, 4)])
    flat = lighting("flat", [photos.lit(f, 0.15, 100) for f in photos.jitter(base, 4)])

    assert good.summary.lighting == "ok"
    assert dark.summary.lighting == "dark"
    assert back.summary.lighting == "backlit"
    assert flat.summary.lighting == "low_contrast"
    assert (dark.summary.brightness or 1) < 0.22 < (good.summary.brightness or 0)
    assert (flat.summary.contrast or 1) < 0.12 < (good.summary.contrast or 0)
    assert moments(dark, "dark") == [(0.0, 2.0)]
    # the face was still found in the dark and back-lit clips: lighting is judged on it
    assert all(f.faces == 1 for f in dark.frames + back.frames)


def test_expressions_and_smile(analyzer: FaceAnalyzer, clips: Path, base: Array) -> None:
    doc = run(analyzer, clips, "smile", photos.jitter(base, 6))
    s = doc.summary
    # The astronaut smiles broadly in the portrait.
    assert s.smile_share is not None and s.smile_share >= 0.8
    assert max(s.expressions, key=lambda k: s.expressions[k]) == "happy"
    assert sum(s.expressions.values()) == pytest.approx(1.0, abs=1e-3)
    assert set(s.expressions) == {"angry", "disgust", "fear", "happy", "sad", "surprise",
                                  "neutral"}
    assert all(f.expression == "happy" and (f.smile or 0) > 0.5 for f in doc.frames)


def test_every_measurement_has_a_timeline(analyzer: FaceAnalyzer, clips: Path,
                                          base: Array) -> None:
    doc = run(analyzer, clips, "timeline", photos.jitter(base, 4))
    for i, f in enumerate(doc.frames):
        assert f.t == 0.5 * i
        assert f.expression is not None and f.smile is not None
        assert None not in (f.yaw, f.pitch, f.roll, f.gaze, f.facing, f.face_size)
        assert None not in (f.brightness, f.contrast, f.lighting)
        assert (f.motion is None) == (i == 0)
    assert doc.device == "cpu"


# --- the arithmetic, on made-up readings -----------------------------------------------------


def _rot_y(deg: float) -> Array:
    a = np.radians(deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def _rot_z(deg: float) -> Array:
    a = np.radians(deg)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


def test_head_angles_from_a_rotation() -> None:
    points = np.random.default_rng(1).normal(size=(40, 3))
    points -= points.mean(axis=0)
    # A turn that moves the nose (towards the camera, -z) to the image's right is yaw > 0.
    yaw, pitch, roll = angles(rotation_between(points, points @ _rot_y(-20).T))
    assert (yaw, pitch, roll) == pytest.approx((20, 0, 0), abs=1e-6)
    yaw, pitch, roll = angles(rotation_between(points, points @ _rot_z(15).T))
    assert (yaw, pitch, roll) == pytest.approx((0, 0, 15), abs=1e-6)


def _reading(t: float, centre_x: float, turn: float = 0.0, faces: int = 1) -> FrameReading:
    rng = np.random.default_rng(0)
    mesh = rng.normal(scale=40, size=(468, 3))
    mesh[10] = (0, -60, 0)  # forehead
    mesh[152] = (0, 60, 0)  # chin: a face 120 px tall
    mesh = mesh @ _rot_y(turn).T + (centre_x, 200, 0)
    box = (centre_x - 50, 150.0, centre_x + 50, 250.0)
    main = FaceReading(box=box, mesh=mesh) if faces else None
    return FrameReading(t=t, boxes=[box] * faces, scores=[0.9] * faces, main=main,
                        frame_height=480)


def test_calibration_motion_and_moments_on_made_up_readings() -> None:
    readings = ([_reading(0.5 * i, 300, turn=-25) for i in range(6)]  # calibration: turned
                + [_reading(3.0 + 0.5 * i, 300, turn=5) for i in range(4)]  # 30° away from it
                + [_reading(5.0 + 0.5 * i, 300, faces=0) for i in range(3)]
                + [_reading(6.5 + 0.5 * i, 300 + 60 * (i % 2), turn=-25) for i in range(4)])
    m = measure(readings)
    facing = [f.facing for f in m.frames]
    assert facing == [True] * 6 + [False] * 4 + [None] * 3 + [True] * 4
    assert m.summary.facing_share == pytest.approx(10 / 14, abs=1e-3)
    assert m.frames[6].yaw == pytest.approx(-30, abs=0.5)  # nose to the image's left
    assert m.frames[13].motion is None  # first face after a gap of more than MAX_GAP_S
    # 60 px every half second with a 120 px face: 1 face height per second, less the
    # jitter allowance, over the "restless" rate.
    expected = (1.0 - CENTRE_JITTER) / CENTRE_RESTLESS
    assert [f.motion for f in m.frames[14:]] == pytest.approx([expected] * 3, abs=1e-3)
    assert m.summary.face_size == pytest.approx(120 / 480, abs=1e-3)
    labels = {(x.label, x.start, x.end) for x in m.moments}
    assert ("looking_away", 3.0, 5.0) in labels
    assert ("no_face", 5.0, 6.5) in labels
    assert ("restless", 7.0, 8.5) in labels


def test_lighting_rules_on_synthetic_pictures() -> None:
    box = (200.0, 100.0, 300.0, 220.0)
    cells = (np.indices((480, 640)) // 40).sum(axis=0) % 2  # a 40-pixel checkerboard
    textured = np.repeat((60 + 140 * cells).astype(np.uint8)[:, :, None], 3, axis=2)
    assert read_light(textured, box).label == "ok"
    assert read_light((textured * 0.2).astype(np.uint8), box).label == "dark"
    assert read_light(np.zeros((480, 640, 3), np.uint8), None).label == "dark"
    flat = np.full((480, 640, 3), 128, np.uint8)
    assert read_light(flat, None).label == "low_contrast"
    window = np.full((480, 640, 3), 245, np.uint8)
    window[100:220, 200:300] = textured[100:220, 200:300] // 2  # face in shadow
    assert read_light(window, box).label == "backlit"


def test_no_readings_measure_nothing() -> None:
    m = measure([])
    assert m.frames == [] and m.moments == []
    assert m.summary.frames == 0 and m.summary.face_share == 0.0
    assert m.summary.facing_share is None and m.summary.steadiness is None
    assert m.notes and "no video frames" in m.notes[0]
