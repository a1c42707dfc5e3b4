"""From per-frame readings to per-answer measurements: pure numpy, no models.

Every measurement exists twice: per frame (the ``FrameObservation`` timeline, 2 per second)
and per answer (``VisionSummary``), plus the stretches worth pointing at (``Moment``s).
They are coaching signals about presence and delivery on camera, never identity: nothing
here looks at who the face belongs to.

- **Presence**: frames with exactly one face, none, several.
- **Facing the camera** (an eye-contact proxy): head orientation from the face mesh plus the
  eyes' direction from the iris model, both *relative to the candidate's own first seconds*
  (``CALIBRATION_S``): people sit off-axis and cameras sit above screens, so a fixed "0°"
  would call a well-placed candidate evasive. A frame faces the camera when the gaze it
  implies is within ``FACING_MAX_DEG`` of that calibrated direction.
- **Steadiness**: how fast the face-box centre moves (in face heights per second, so distance
  does not matter), and how fast the head rolls and turns (degrees per second), between
  consecutive frames.
- **Expression**: the FER2013 expression of each face, and the share of smiling frames.
- **Face size**: forehead-to-chin height over frame height; too close, too far.
- **Lighting**: too dark, back-lit, low contrast.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import cv2
import numpy as np
from greenroom_common.documents import FrameObservation, Moment, VisionSummary

from greenroom_vision.pose import Pose, angles, eye_offsets, gaze, rotation_between, shape_of, wrap

Array = np.ndarray[Any, Any]

EXPRESSIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

CALIBRATION_S = 10.0  # the first seconds with a face set the candidate's own "camera" direction
MIN_CALIBRATION_FRAMES = 3
FACING_MAX_DEG = 15.0  # horizontal and vertical tolerance around the calibrated direction
SMILE_MIN = 0.5  # probability of "happy" that counts as a smile
TOO_FAR = 0.15  # face height / frame height below which the candidate is too far
TOO_CLOSE = 0.65  # ... above which the face fills the frame
MAX_GAP_S = 1.5  # motion is measured between face frames at most this far apart
# Motion that counts as "restless" on its own: half a face height per second, or 20°/s of
# roll or turn. Steadiness = 1 / (1 + mean of (centre/0.5 + roll/20 + yaw/20)), each rate
# first reduced by the jitter that a perfectly still face shows in the estimates.
CENTRE_RESTLESS = 0.5
ROLL_RESTLESS_DEG = 20.0
YAW_RESTLESS_DEG = 20.0
CENTRE_JITTER = 0.05
ROLL_JITTER_DEG = 1.0
YAW_JITTER_DEG = 3.0
# Lighting thresholds on luma in [0, 1].
DARK = 0.22
BACKLIT_GAP = 0.25  # background brighter than the face by this much...
BACKLIT_FACE_MAX = 0.5  # ...while the face itself is not bright
LOW_CONTRAST = 0.12  # spread (90th - 10th percentile) of the face (or frame) luma
ISSUE_SHARE = 0.5  # an answer-level flag needs at least this share of frames
MOMENT_MIN_FRAMES = 2

FOREHEAD, CHIN = 10, 152

Lighting = Literal["ok", "dark", "backlit", "low_contrast"]


@dataclass
class FaceReading:
    """The main (largest) face of a frame, as the models saw it."""

    box: tuple[float, float, float, float]
    mesh: Array | None = None  # (468, 3) image pixels
    eyes: tuple[Array, Array] | None = None  # per eye: corner, corner, iris centre
    emotion: Array | None = None  # 7 probabilities, EXPRESSIONS order


@dataclass
class LightReading:
    brightness: float  # face mean luma (frame mean when no face)
    contrast: float  # face (or frame) luma spread
    background: float  # mean luma around the face
    label: Lighting


@dataclass
class FrameReading:
    t: float
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    main: FaceReading | None = None
    light: LightReading | None = None
    frame_height: int = 0
    scale: float = 1.0  # stored frame pixels per analysed pixel (boxes are reported stored)
    readable: bool = True


@dataclass
class Measured:
    frames: list[FrameObservation]
    summary: VisionSummary
    moments: list[Moment]
    notes: list[str]


# --- lighting --------------------------------------------------------------------------------


def read_light(image: Array, box: tuple[float, float, float, float] | None) -> LightReading:
    """Lighting of one BGR frame, judged on the face when there is one."""
    scale = min(1.0, 160 / max(image.shape[1], 1))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) \
        if scale < 1 else image
    luma = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255.0
    h, w = luma.shape
    region = luma
    background = float(luma.mean())
    if box is not None:
        x0, y0, x1, y1 = (round(v * scale) for v in box)
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            region = luma[y0:y1, x0:x1]
            # "around the face": everything outside the face box grown by half its size
            gx, gy = (x1 - x0) // 2, (y1 - y0) // 2
            mask = np.ones_like(luma, dtype=bool)
            mask[max(y0 - gy, 0):y1 + gy, max(x0 - gx, 0):x1 + gx] = False
            if mask.any():
                background = float(luma[mask].mean())
    brightness = float(region.mean())
    p10, p90 = np.percentile(region, [10, 90])
    contrast = float(p90 - p10)
    label: Lighting = "ok"
    if brightness < DARK:
        label = "dark"
    elif box is not None and background - brightness > BACKLIT_GAP \
            and brightness < BACKLIT_FACE_MAX:
        label = "backlit"
    elif contrast < LOW_CONTRAST:
        label = "low_contrast"
    return LightReading(round(brightness, 4), round(contrast, 4), round(background, 4), label)


# --- head pose and gaze (geometry in ``pose``) -----------------------------------------


def _poses(readings: Sequence[FrameReading]) -> dict[int, Pose]:
    """Head angles of every frame with a face mesh, relative to the first mesh, and the iris
    offsets; calibration subtracts the baseline later."""
    reference: Array | None = None
    poses: dict[int, Pose] = {}
    for i, r in enumerate(readings):
        if r.main is None or r.main.mesh is None:
            continue
        shape = shape_of(r.main.mesh)
        if reference is None:
            reference = shape
        yaw, pitch, roll = angles(rotation_between(reference, shape))
        across = down = None
        if r.main.eyes is not None:
            across, down = eye_offsets(r.main.mesh, r.main.eyes)
        poses[i] = Pose(yaw, pitch, roll, across, down)
    return poses


def _calibrate(readings: Sequence[FrameReading], poses: dict[int, Pose]) -> dict[int, Pose]:
    """Angles relative to the median of the first ``CALIBRATION_S`` seconds with a face."""
    if not poses:
        return {}
    order = sorted(poses)
    start = readings[order[0]].t
    window = [i for i in order if readings[i].t - start <= CALIBRATION_S]
    if len(window) < MIN_CALIBRATION_FRAMES:
        window = order[:MIN_CALIBRATION_FRAMES]

    def median(values: list[float | None]) -> float:
        kept = [v for v in values if v is not None]
        return float(np.median(kept)) if kept else 0.0

    base = Pose(
        median([poses[i].yaw for i in window]),
        median([poses[i].pitch for i in window]),
        median([poses[i].roll for i in window]),
        median([poses[i].across for i in window]),
        median([poses[i].down for i in window]),
    )
    return {
        i: Pose(
            p.yaw - base.yaw,
            p.pitch - base.pitch,
            wrap(p.roll - base.roll),
            None if p.across is None else p.across - (base.across or 0.0),
            None if p.down is None else p.down - (base.down or 0.0),
        )
        for i, p in poses.items()
    }


# --- the answer ------------------------------------------------------------------------------


def _face_height(r: FrameReading) -> float | None:
    """Forehead-to-chin distance in pixels (from the mesh: the same for every detector)."""
    if r.main is None or r.main.mesh is None:
        return None
    return float(np.linalg.norm(r.main.mesh[CHIN, :2] - r.main.mesh[FOREHEAD, :2]))


def _centre(r: FrameReading) -> tuple[float, float] | None:
    if r.main is None:
        return None
    x0, y0, x1, y1 = r.main.box
    return (x0 + x1) / 2, (y0 + y1) / 2


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def _restlessness(rates: tuple[float, float, float]) -> float:
    centre, roll, yaw = rates
    return (max(centre - CENTRE_JITTER, 0.0) / CENTRE_RESTLESS
            + max(roll - ROLL_JITTER_DEG, 0.0) / ROLL_RESTLESS_DEG
            + max(yaw - YAW_JITTER_DEG, 0.0) / YAW_RESTLESS_DEG)


def _motions(readings: Sequence[FrameReading],
             poses: dict[int, Pose]) -> dict[int, tuple[float, float, float]]:
    """(centre in face heights/s, roll in °/s, yaw in °/s) since the previous face frame,
    for face frames at most ``MAX_GAP_S`` after it."""
    motion: dict[int, tuple[float, float, float]] = {}
    previous: int | None = None
    for i, r in enumerate(readings):
        if r.main is None:
            continue
        if previous is not None and 0 < r.t - readings[previous].t <= MAX_GAP_S:
            before = readings[previous]
            dt = r.t - before.t
            heights = [h for h in (_face_height(before), _face_height(r)) if h]
            scale = float(np.mean(heights)) if heights else max(r.main.box[3] - r.main.box[1], 1.0)
            c0, c1 = _centre(before), _centre(r)
            centre = math.dist(c0, c1) / scale / dt if c0 and c1 else 0.0
            roll = yaw = 0.0
            if i in poses and previous in poses:
                roll = abs(wrap(poses[i].roll - poses[previous].roll)) / dt
                yaw = abs(poses[i].yaw - poses[previous].yaw) / dt
            # One detection glitch must not dominate an answer: clip each rate.
            motion[i] = (min(centre, 5.0), min(roll, 180.0), min(yaw, 180.0))
        previous = i
    return motion


def _observation(r: FrameReading, pose: Pose | None,
                 motion: tuple[float, float, float] | None) -> FrameObservation:
    obs = FrameObservation(
        t=round(r.t, 3),
        faces=len(r.boxes),
        boxes=[[round(v * r.scale) for v in (b[0], b[1], b[2] - b[0], b[3] - b[1])]
               for b in r.boxes],
        confidence=round(max(r.scores, default=0.0), 3),
    )
    if r.main is not None and r.main.emotion is not None:
        obs.expression = EXPRESSIONS[int(np.argmax(r.main.emotion))]
        obs.smile = round(float(r.main.emotion[EXPRESSIONS.index("happy")]), 3)
    if pose is not None:
        obs.yaw, obs.pitch, obs.roll = round(pose.yaw, 1), round(pose.pitch, 1), round(pose.roll, 1)
        horizontal, vertical = gaze(pose)
        obs.gaze = [round(horizontal, 1), round(vertical, 1)]
        obs.facing = abs(horizontal) <= FACING_MAX_DEG and abs(vertical) <= FACING_MAX_DEG
    if motion is not None:
        obs.motion = round(_restlessness(motion), 3)
    height = _face_height(r)
    if height is not None and r.frame_height:
        obs.face_size = round(height / r.frame_height, 4)
    if r.light is not None:
        obs.brightness, obs.contrast = r.light.brightness, r.light.contrast
        obs.lighting = r.light.label
    return obs


def _expression_summary(frames: Sequence[FrameObservation]) -> tuple[dict[str, float],
                                                                       float | None]:
    seen = [f for f in frames if f.expression is not None]
    if not seen:
        return {}, None
    tally = Counter(f.expression for f in seen)
    shares = {e: _share(tally.get(e, 0), len(seen)) for e in EXPRESSIONS}
    return shares, _share(sum(1 for f in seen if (f.smile or 0.0) >= SMILE_MIN), len(seen))


def _motion_summary(motion: dict[int, tuple[float, float, float]]) -> dict[str, float | None]:
    if not motion:
        return {"steadiness": None, "centre_motion": None, "roll_motion": None,
                "yaw_motion": None}
    centre, roll, yaw = (round(float(v), 3) for v in np.array(list(motion.values())).mean(axis=0))
    restless = float(np.mean([_restlessness(m) for m in motion.values()]))
    return {"steadiness": round(1.0 / (1.0 + restless), 4), "centre_motion": centre,
            "roll_motion": roll, "yaw_motion": yaw}


def _framing(size: float) -> Literal["ok", "too_close", "too_far"]:
    return "too_far" if size < TOO_FAR else "too_close" if size > TOO_CLOSE else "ok"


def _lighting_summary(readings: Sequence[FrameReading]) -> dict[str, Any]:
    lit = [r.light for r in readings if r.light is not None]
    if not lit:
        return {"lighting": None, "brightness": None, "contrast": None}
    issues = Counter(x.label for x in lit if x.label != "ok")
    label: Lighting = "ok"
    if issues and sum(issues.values()) >= ISSUE_SHARE * len(lit):
        label = issues.most_common(1)[0][0]
    return {"lighting": label,
            "brightness": round(float(np.median([x.brightness for x in lit])), 4),
            "contrast": round(float(np.median([x.contrast for x in lit])), 4)}


def _moments(times: Sequence[float], flags: Sequence[bool], label: str,
             step: float) -> list[Moment]:
    """Runs of at least ``MOMENT_MIN_FRAMES`` flagged frames, as [start, end) stretches."""
    found: list[Moment] = []
    run: list[float] = []
    for t, flag in [*zip(times, flags, strict=True), (math.inf, False)]:
        if flag and (not run or t - run[-1] <= step * 1.5):
            run.append(t)
            continue
        if len(run) >= MOMENT_MIN_FRAMES:
            found.append(Moment(start=round(run[0], 2), end=round(run[-1] + step, 2), label=label))
        run = [t] if flag else []
    return found


def _all_moments(frames: Sequence[FrameObservation]) -> list[Moment]:
    times = [f.t for f in frames]
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.5
    size = [f.face_size for f in frames]
    tests: list[tuple[str, Callable[[FrameObservation, float | None], bool]]] = [
        ("no_face", lambda f, _: f.faces == 0),
        ("several_faces", lambda f, _: f.faces > 1),
        ("looking_away", lambda f, _: f.facing is False),
        ("restless", lambda f, _: (f.motion or 0.0) > 1.0),
        ("too_far", lambda _, s: s is not None and s < TOO_FAR),
        ("too_close", lambda _, s: s is not None and s > TOO_CLOSE),
        ("dark", lambda f, _: f.lighting == "dark"),
        ("backlit", lambda f, _: f.lighting == "backlit"),
        ("low_contrast", lambda f, _: f.lighting == "low_contrast"),
    ]
    moments = [m for label, test in tests
               for m in _moments(times, [test(f, s) for f, s in zip(frames, size, strict=True)],
                                 label, step)]
    return sorted(moments, key=lambda m: (m.start, m.label))


def measure(readings: Sequence[FrameReading]) -> Measured:
    """All measurements of one answer from its frames' readings (in time order)."""
    n = len(readings)
    counts = [len(r.boxes) for r in readings]
    poses = _calibrate(readings, _poses(readings))
    motion = _motions(readings, poses)
    frames = [_observation(r, poses.get(i), motion.get(i)) for i, r in enumerate(readings)]
    facing = [f.facing for f in frames if f.facing is not None]
    sizes = [f.face_size for f in frames if f.face_size is not None]
    expressions, smile_share = _expression_summary(frames)
    face_size = round(float(np.median(sizes)), 4) if sizes else None
    summary = VisionSummary(
        frames=n,
        face_frames=sum(1 for c in counts if c == 1),
        no_face_frames=sum(1 for c in counts if c == 0),
        multi_face_frames=sum(1 for c in counts if c > 1),
        face_share=_share(sum(1 for c in counts if c == 1), n),
        no_face_share=_share(sum(1 for c in counts if c == 0), n),
        multi_face_share=_share(sum(1 for c in counts if c > 1), n),
        facing_share=_share(sum(facing), len(facing)) if facing else None,
        expressions=expressions,
        smile_share=smile_share,
        face_size=face_size,
        framing=_framing(face_size) if face_size is not None else None,
        **_motion_summary(motion),
        **_lighting_summary(readings),
    )
    return Measured(frames, summary, _all_moments(frames), _notes(readings, summary, poses))


def _notes(readings: Sequence[FrameReading], summary: VisionSummary,
           poses: dict[int, Pose]) -> list[str]:
    """What a person should know about how far the measurements can be trusted."""
    n = len(readings)
    if n == 0:
        return ["The answer has no video frames: nothing was measured on camera."]
    notes: list[str] = []
    unreadable = sum(1 for r in readings if not r.readable)
    if unreadable:
        notes.append(f"{unreadable} of {n} frames could not be read; they count as frames "
                     "without a face.")
    seen = sum(1 for r in readings if r.main is not None)
    if not seen:
        if summary.lighting == "dark" and (summary.brightness or 0.0) < 0.05:
            notes.append("The picture is black in every frame: the camera may be covered or "
                         "off. No face was found, so nothing about the face was measured.")
        else:
            notes.append("No face was found in any frame, so facing the camera, steadiness, "
                         "expression and face size could not be measured.")
    elif seen == 1:
        notes.append("A face was seen in one frame only: steadiness needs at least two.")
    if seen and not poses:
        notes.append("The face was too small or unclear for head pose: facing the camera "
                     "could not be measured.")
    return notes
