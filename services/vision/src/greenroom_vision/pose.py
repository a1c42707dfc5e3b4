"""Head pose and gaze from a face mesh: the geometry behind "facing the camera".

The head's rotation comes from the mesh's rigid points (Kabsch, against a reference mesh),
the eyes' turn from where the irises sit between the eye corners; ``gaze`` adds the two.
Pure numpy; ``measures`` calibrates the angles to the candidate's own first seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]

EYE_RADIUS_OVER_WIDTH = 0.45  # eyeball radius / eye-corner distance: iris shift -> eye angle
# Face-mesh points that speech and expression barely move (forehead, brows, eye corners,
# nose, cheekbones, temples): the head's rigid shape for pose.
RIGID_POINTS = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 33, 133, 362, 263, 70, 63, 105,
                66, 107, 336, 296, 334, 293, 300, 127, 356, 234, 454, 116, 345, 50, 280, 98, 327)
LEFT_OUTER, RIGHT_OUTER = 33, 263


def shape_of(mesh: Array) -> Array:
    """The rigid points of a mesh, centred and scaled to unit size (pose compares shapes)."""
    pts = mesh[list(RIGID_POINTS)].astype(np.float64)
    pts = pts - pts.mean(axis=0)
    shape: Array = pts / max(float(np.sqrt((pts ** 2).sum(axis=1).mean())), 1e-9)
    return shape


def rotation_between(reference: Array, current: Array) -> Array:
    """The rotation R (3x3) with ``current ≈ R @ reference`` for two centred point sets
    (Kabsch)."""
    h = reference.T @ current
    u, _, vt = np.linalg.svd(h)
    d = 1.0 if np.linalg.det(vt.T @ u.T) >= 0 else -1.0
    rot: Array = vt.T @ np.diag([1.0, 1.0, d]) @ u.T
    return rot


def angles(rot: Array) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of a head rotation in image axes (x right, y down,
    z away from the camera): yaw > 0 turns the nose to the image's right, pitch > 0 lifts
    it, roll > 0 tilts the head clockwise on screen."""
    forward = rot @ np.array([0.0, 0.0, -1.0])  # the face's normal, towards the camera
    across = rot @ np.array([1.0, 0.0, 0.0])
    yaw = math.degrees(math.atan2(forward[0], -forward[2]))
    pitch = math.degrees(math.atan2(-forward[1], math.hypot(forward[0], forward[2])))
    roll = math.degrees(math.atan2(across[1], across[0]))
    return yaw, pitch, roll


def eye_offsets(mesh: Array, eyes: tuple[Array, Array]) -> tuple[float, float]:
    """Where the irises sit in the eyes: (across, down), each as a fraction of the eye's
    width, 0 = centred, measured along the head's own eye line (so roll does not count)."""
    axis = mesh[RIGHT_OUTER, :2] - mesh[LEFT_OUTER, :2]
    u = axis / max(float(np.linalg.norm(axis)), 1e-9)
    n = np.array([-u[1], u[0]])
    across, down = [], []
    for eye in eyes:
        a, b, iris = eye[0, :2], eye[1, :2], eye[2, :2]
        width = abs(float((b - a) @ u))
        if width < 1e-6:
            continue
        offset = iris - (a + b) / 2
        across.append(float(offset @ u) / width)
        down.append(float(offset @ n) / width)
    if not across:
        return 0.0, 0.0
    return float(np.mean(across)), float(np.mean(down))


def eye_angle(offset: float) -> float:
    return math.degrees(math.asin(max(-1.0, min(1.0, offset / EYE_RADIUS_OVER_WIDTH))))


@dataclass
class Pose:
    """Head angles (degrees) and iris offsets (fractions of the eye's width) of one frame."""

    yaw: float
    pitch: float
    roll: float
    across: float | None
    down: float | None


def wrap(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


def gaze(pose: Pose) -> tuple[float, float]:
    """Where the candidate looks relative to the calibrated direction, in degrees (right,
    up): the head's turn plus the eyes' turn within the head."""
    horizontal = pose.yaw + (eye_angle(pose.across) if pose.across is not None else 0.0)
    vertical = pose.pitch - (eye_angle(pose.down) if pose.down is not None else 0.0)
    return horizontal, vertical
