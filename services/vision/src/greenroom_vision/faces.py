"""Faces in sampled frames: the vision service's pure core (no bus, no storage).

For each frame (a JPEG that ingest sampled from the answer's video) it counts the faces that
deepface's detector finds and keeps their boxes; the summary says how much of the answer the
candidate was in the picture, alone. The grader turns that into "share of time facing the
camera" evidence.

What this module never does: infer age, gender, race or identity. It calls deepface's face
*detection* only (``DeepFace.extract_faces``); ``DeepFace.analyze`` with the age, gender or
race actions, ``verify``, ``find`` and ``represent`` are never called, and no model for them
is provisioned. Facial expression (emotion) comes in a later issue, with weights built
offline.

Offline: deepface would download any weights it lacks at run time. Here they come only from
``scripts/setup/models.sh`` (into ``$DEEPFACE_HOME/.deepface/weights``), and deepface's
downloader is replaced by a check that fails with ``WeightsMissingError``. The default "opencv"
(Haar cascade) detector needs no weights: ``opencv-contrib-python-headless<5`` ships
``cv2/data/haarcascade_*.xml`` (the 5.x wheels do not, which is why it is pinned to 4.x).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np
from greenroom_common.documents import FrameObservation, VisionDoc, VisionSummary

log = logging.getLogger(__name__)


class WeightsMissingError(RuntimeError):
    """deepface asked for weights that set-up did not provision (never downloaded at run time)."""


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


def _read_bgr(path: Path) -> np.ndarray[Any, Any] | None:
    """The frame as a BGR array, or None when it cannot be read or decoded."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError:
        return None
    if data.size == 0:
        return None
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if img is None or img.size == 0:
        return None
    decoded: np.ndarray[Any, Any] = img
    return decoded


class FaceAnalyzer:
    """deepface face detection over an answer's sampled frames.

    ``weights_home`` becomes ``DEEPFACE_HOME`` (deepface reads it from the environment, so it
    is process-wide: one analyzer per process). The detector is built at construction, so a
    missing model fails at start-up rather than on the first answer.
    """

    def __init__(self, detector: str = "opencv", weights_home: Path | None = None) -> None:
        if weights_home is not None:
            weights_home = Path(weights_home).expanduser().resolve()
            (weights_home / ".deepface" / "weights").mkdir(parents=True, exist_ok=True)
            os.environ["DEEPFACE_HOME"] = str(weights_home)
        # deepface prefers tensorflow, then pytorch; neither belongs in this service, and its
        # torch path asks for weights it cannot download. onnxruntime runs what it needs.
        os.environ["DEEPFACE_BACKEND_ENGINE"] = "onnx"
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

        from deepface import DeepFace  # after the environment above: it is read on import
        from deepface.commons import weight_utils

        _forbid_downloads(weight_utils)
        self.detector = detector
        self.weights_home = weights_home
        self._deepface = DeepFace
        DeepFace.build_model(task="face_detector", model_name=detector)

    def detect(self, image: np.ndarray[Any, Any]) -> list[tuple[list[int], float]]:
        """Faces in one BGR image: ``([x, y, w, h], confidence)`` each."""
        found = self._deepface.extract_faces(
            img_path=image,
            detector_backend=self.detector,
            enforce_detection=False,
            align=False,
            color_face="bgr",
            normalize_face=False,
        )
        faces: list[tuple[list[int], float]] = []
        for face in found:
            # With enforce_detection=False, a frame without a face still yields one result:
            # the whole image with confidence 0. Every real detection scores above 0 (the
            # Haar detector reports (100 - stage score) / 100, close to 1), so "> 0" is what
            # tells a face from that placeholder.
            confidence = float(face.get("confidence") or 0.0)
            if confidence <= 0:
                continue
            area = face["facial_area"]
            faces.append(
                ([int(area["x"]), int(area["y"]), int(area["w"]), int(area["h"])], confidence)
            )
        return faces

    def analyze(self, frames: Sequence[tuple[float, Path]]) -> VisionDoc:
        """Observes every ``(time_s, jpeg_path)`` frame. A frame that cannot be read counts
        as a frame without a face (and is logged), not as a failure of the answer."""
        started = time.perf_counter()
        observations: list[FrameObservation] = []
        for t, path in frames:
            image = _read_bgr(Path(path))
            if image is None:
                log.warning("frame at %.2f s (%s) cannot be read: counted as no face", t, path)
                faces: list[tuple[list[int], float]] = []
            else:
                faces = self.detect(image)
            observations.append(
                FrameObservation(
                    t=round(float(t), 3),
                    faces=len(faces),
                    boxes=[box for box, _ in faces],
                    confidence=round(max((c for _, c in faces), default=0.0), 3),
                )
            )
        inference_s = time.perf_counter() - started
        return VisionDoc(
            detector=self.detector,
            has_video=len(frames) > 0,
            frames=observations,
            summary=summarize(observations),
            inference_s=round(inference_s, 3),
        )


def summarize(observations: Sequence[FrameObservation]) -> VisionSummary:
    """Counts frames with exactly one face, none, and more than one."""
    n = len(observations)
    face_frames = sum(1 for o in observations if o.faces == 1)
    no_face_frames = sum(1 for o in observations if o.faces == 0)
    multi_face_frames = sum(1 for o in observations if o.faces > 1)
    return VisionSummary(
        frames=n,
        face_frames=face_frames,
        no_face_frames=no_face_frames,
        multi_face_frames=multi_face_frames,
        face_share=round(face_frames / n, 4) if n else 0.0,
    )
